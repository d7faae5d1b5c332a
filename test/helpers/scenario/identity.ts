/**
 * The GitHub Actions identity a scenario package is built by unless the test says otherwise: its
 * own repository, tag and commit, so two packages never share a certificate identity by accident.
 */
import { createHash } from 'node:crypto'
import { githubActionsIdentity, type GithubActionsIdentity, type GithubActionsIdentityInput } from '../pki/index.js'

/**
 * `@acme/b@1.2.0` → repository `acme/b`, ref `refs/tags/v1.2.0`; an unscoped `a` → `a/a`.
 * Repository and owner ids and the commit are derived from the (possibly overridden) repository
 * and ref, so a test that moves a package to another repository also gets other ids unless it
 * pins them. Everything else is the PKI's `DEFAULT_GITHUB_IDENTITY`.
 */
export function defaultProvenanceIdentity(
  name: string,
  version: string,
  overrides: GithubActionsIdentityInput = {},
): GithubActionsIdentity {
  const scoped = /^@([^/]+)\/(.+)$/.exec(name)
  const repository = overrides.repository ?? (scoped ? `${scoped[1]}/${scoped[2]}` : `${name}/${name}`)
  const owner = repository.split('/')[0] ?? repository
  const ref = overrides.ref ?? `refs/tags/v${version}`
  return githubActionsIdentity({
    repositoryId: numericId(`repository:${repository}`),
    repositoryOwnerId: numericId(`owner:${owner}`),
    sha: digestHex(`commit:${repository}@${ref}`).slice(0, 40),
    ...stripUndefined(overrides),
    repository,
    ref,
  })
}

/** A stable 9-digit id, like GitHub's numeric repository and owner ids. */
function numericId(seed: string): string {
  return String(100_000_000 + (parseInt(digestHex(seed).slice(0, 12), 16) % 900_000_000))
}

function digestHex(seed: string): string {
  return createHash('sha256').update(seed).digest('hex')
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>
}
