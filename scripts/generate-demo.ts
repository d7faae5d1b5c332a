/**
 * Regenerates the demo world under fixtures/demo/ (what `verify-deps demo` serves and checks) from
 * the test scenario builder: the packages of lib/demo/world.ts published on a loopback registry
 * with a throwaway Sigstore PKI and registry key, a project locked by the real npm CLI, and the
 * sample policy. Everything the registry serves is captured as static files:
 *
 *   registry/-/npm/v1/keys.json                              GET /-/npm/v1/keys
 *   registry/<name>/index.json                               GET /<name>            (packument)
 *   registry/<name>/<version>.json                           GET /<name>/<version>
 *   registry/<name>/-/<basename>-<version>.tgz               the tarball
 *   registry/-/npm/v1/attestations/<name>@<version>.json     GET /-/npm/v1/attestations/<name>@<version>
 *   trust/trusted_root.json                                  the PKI's trusted root
 *   project/{package.json,package-lock.json,verify-deps.policy.yaml}   the main branch
 *   pull-request/package-lock.json                           the pull request's lockfile
 *   pull-request/<basename>-<version>.tgz                    the altered bytes it records (the tampered package)
 *
 * Two lockfiles, both written by the real npm CLI against the loopback registry:
 *   - main: `npm install --package-lock-only --before DEMO_MAIN_BEFORE`, the registry as it was
 *     before the pull request's versions were published (each package as its maintainers published it);
 *   - the pull request: then `npm update <the names that have a mainVersion> --package-lock-only`,
 *     which moves those packages to the versions published since, and nothing else (checked here).
 * The `tampered` package: the pull request's lockfile records the sha512 of bytes other than the
 * ones its signature and provenance name (the scenario's `tarball: 'tampered'`), as if its author
 * had installed them (the one edit after npm); they are kept as pull-request/<basename>-<version>.tgz.
 * The snapshot serves the signed bytes.
 *
 * URLs of the loopback registry become DEMO_PLACEHOLDER_ORIGIN: nothing follows them (the check
 * asks its configured registry by name).
 *
 * Tarballs, the project and the pull request are byte-for-byte reproducible; keys and signatures are new on each run.
 *   npm run demo:regenerate            (writes fixtures/demo/)
 *   … scripts/generate-demo.ts DIR     (writes DIR instead)
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { createHash } from 'node:crypto'
import {
  DEMO_MAIN_BEFORE,
  DEMO_NOW,
  DEMO_PACKAGES,
  DEMO_PLACEHOLDER_ORIGIN,
  DEMO_PROJECT_DEPENDENCIES,
  DEMO_PROJECT_NAME,
  type DemoPackage,
} from '../lib/demo/world.js'
import { createScenario, LOCKFILE_ARGS, type Lockfile, type PackageSpec, type Scenario } from '../test/helpers/scenario/index.js'
import type { NpmUser } from '../test/helpers/registry/index.js'

export const DEMO_FIXTURES_DIR = fileURLToPath(new URL('../fixtures/demo/', import.meta.url))

/** The folders the generator owns (fixtures/demo/README.md is written by hand). */
export const GENERATED_DIRS = ['registry', 'trust', 'project', 'pull-request'] as const

export const DEMO_POLICY = `# The demo project's trust policy (see docs/policy.md).
version: 1

# Packages no rule below matches: warn when they have no verified provenance, and block a release
# whose trust dropped below what an earlier release of its line had verified (docs/continuity.md).
default:
  mode: warn
  require: { signature: true, provenance: true }
  continuity: { downgrade: enforce }

rules:
  # Our own packages must be built by our release workflow, from a release tag, in one of our
  # repositories. Anything else blocks the install.
  - packages: ["@demo-org/*"]
    mode: enforce
    builds:
      - issuer: https://token.actions.githubusercontent.com
        repository: demo-org/*
        workflow: .github/workflows/release.yml
        ref: refs/tags/v*
`

const DAY_MS = 24 * 3600 * 1000

/** `demo-org` publishes from GitHub Actions as a trusted publisher; other maintainers from their own accounts. */
function npmUserOf(pkg: DemoPackage): NpmUser {
  if (pkg.name.startsWith('@demo-org/')) {
    return { name: 'demo-org-release', email: 'release@demo-org.example', trustedPublisher: { id: 'github', oidcConfigId: 'oidc:demo-org' } }
  }
  return { name: `${pkg.name}-maintainer`, email: `maintainer@${pkg.name}.example` }
}

/** A downgrade package's earlier releases: built by their repository's release workflow, published by a trusted publisher, a week before it. */
function earlierSpecs(pkg: DemoPackage, index: number): PackageSpec[] {
  return (pkg.earlier ?? []).map((earlier, n) => ({
    name: pkg.name,
    version: earlier.version,
    manifest: { description: `Demo package (earlier release of a ${pkg.role}) for verify-deps demo`, license: 'MIT', repository: { type: 'git', url: `git+https://github.com/${earlier.builtBy}.git` } },
    npmUser: { name: 'github-actions', email: 'npm-oidc-no-reply@github.com', trustedPublisher: { id: 'github', oidcConfigId: `oidc:${earlier.builtBy}` } },
    publishTime: new Date(DEMO_NOW.getTime() - (index + 3) * 5 * DAY_MS - (n + 1) * 7 * DAY_MS),
    provenance: { identity: { repository: earlier.builtBy, workflowPath: '.github/workflows/release.yml' } },
    tag: null,
  }))
}

/** A role → the scenario knobs that produce it; everything else stays valid. */
function packageSpec(pkg: DemoPackage, index: number): PackageSpec {
  // The repository package.json claims: for the wrong-repository package, not the one that built it.
  const claimed = pkg.role === 'wrong-repository' ? `demo-org/${pkg.name.split('/')[1]}` : pkg.builtBy
  return {
    name: pkg.name,
    version: pkg.version,
    ...(pkg.dependencies && { dependencies: pkg.dependencies }),
    manifest: {
      description: `Demo package (${pkg.role}) for verify-deps demo`,
      license: 'MIT',
      ...(claimed && { repository: { type: 'git', url: `git+https://github.com/${claimed}.git` } }),
    },
    npmUser: npmUserOf(pkg),
    // Published on different days in the weeks before DEMO_MAIN_BEFORE; what the pull request
    // brings, in the days after it.
    publishTime: new Date(DEMO_NOW.getTime() - (pkg.mainVersion ? (index + 1) * DAY_MS / 4 : (index + 3) * 5 * DAY_MS)),
    provenance: pkg.builtBy ? { identity: { repository: pkg.builtBy, workflowPath: '.github/workflows/release.yml' } } : 'missing',
    ...(pkg.role === 'tampered' && { tarball: 'tampered' as const }),
  }
}

/** Writes the demo world into `outDir` (its GENERATED_DIRS are replaced). */
export async function generateDemo(outDir: string): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'verify-deps-demo-gen-'))
  const teardowns: Array<() => unknown> = []
  try {
    const scenario = await createScenario(
      { teardown: (fn) => teardowns.push(fn) },
      {
        now: DEMO_NOW,
        dir: work,
        packages: DEMO_PACKAGES.flatMap((pkg, index) => [...earlierSpecs(pkg, index), packageSpec(pkg, index)]),
        project: { name: DEMO_PROJECT_NAME, dependencies: { ...DEMO_PROJECT_DEPENDENCIES } },
        lockfile: false,
      },
    )
    const { main, pullRequest } = await lockBranches(scenario)
    for (const dir of GENERATED_DIRS) rmSync(join(outDir, dir), { recursive: true, force: true })
    await captureRegistry(scenario, join(outDir, 'registry'))
    mkdirSync(join(outDir, 'trust'), { recursive: true })
    copyFileSync(scenario.trustedRootFile, join(outDir, 'trust', 'trusted_root.json'))
    writeProject(scenario, main, join(outDir, 'project'))
    write(join(outDir, 'pull-request', 'package-lock.json'), formatLockfile(scenario, pullRequest))
    for (const pkg of DEMO_PACKAGES.filter((p) => p.role === 'tampered')) {
      write(join(outDir, 'pull-request', `${pkg.name.replace(/^@[^/]+\//, '')}-${pkg.version}.tgz`), scenario.version(`${pkg.name}@${pkg.version}`).tarball)
    }
  } finally {
    for (const fn of teardowns.reverse()) await fn()
    rmSync(work, { recursive: true, force: true })
  }
}

/** GETs everything the check can ask the registry for, and the tarballs, into static files. */
async function captureRegistry(s: Scenario, dir: string): Promise<void> {
  const origin = s.registry.origin
  const get = async (path: string): Promise<Buffer> => {
    const response = await fetch(origin + path)
    if (!response.ok) throw new Error(`generate-demo: GET ${path}: HTTP ${response.status}`)
    return Buffer.from(await response.arrayBuffer())
  }
  const saveJSON = async (path: string, file: string): Promise<void> => {
    const text = (await get(path)).toString('utf8').replaceAll(origin, DEMO_PLACEHOLDER_ORIGIN)
    write(join(dir, file), JSON.stringify(JSON.parse(text), null, 2) + '\n')
  }

  await saveJSON('/-/npm/v1/keys', '-/npm/v1/keys.json')
  for (const pkg of DEMO_PACKAGES) {
    const escaped = pkg.name.replace('/', '%2f')
    const basename = pkg.name.replace(/^@[^/]+\//, '')
    await saveJSON(`/${escaped}`, `${pkg.name}/index.json`)
    await saveJSON(`/${escaped}/${pkg.version}`, `${pkg.name}/${pkg.version}.json`)
    if (s.version(`${pkg.name}@${pkg.version}`).attestations) {
      await saveJSON(`/-/npm/v1/attestations/${escaped}@${pkg.version}`, `-/npm/v1/attestations/${pkg.name}@${pkg.version}.json`)
    }
    const tarball = `${pkg.name}/-/${basename}-${pkg.version}.tgz`
    // The tampered package: the scenario serves the altered bytes (`tarball: 'tampered'`); the
    // snapshot keeps the ones its maintainers published and the registry signed.
    write(join(dir, tarball), pkg.role === 'tampered' ? s.published(`${pkg.name}@${pkg.version}`).tarball : await get(`/${tarball}`))
    // Earlier releases: what the check fetches to verify the history (their version documents and
    // attestations), and, for the main branch's lock, their tarballs.
    for (const earlier of pkg.earlier ?? []) {
      await saveJSON(`/${escaped}/${earlier.version}`, `${pkg.name}/${earlier.version}.json`)
      await saveJSON(`/-/npm/v1/attestations/${escaped}@${earlier.version}`, `-/npm/v1/attestations/${pkg.name}@${earlier.version}.json`)
      const earlierTarball = `${pkg.name}/-/${basename}-${earlier.version}.tgz`
      write(join(dir, earlierTarball), await get(`/${earlierTarball}`))
    }
  }
}

/** The main branch's lockfile and the pull request's, each as npm wrote it (the pull request's with the tampered integrity). */
async function lockBranches(s: Scenario): Promise<{ main: Lockfile; pullRequest: Lockfile }> {
  const npm = async (args: readonly string[]): Promise<Lockfile> => {
    const result = await s.npm(args)
    if (result.code !== 0) throw new Error(`generate-demo: npm ${args.join(' ')} exited ${String(result.code)}\n${result.stderr}${result.stdout}`)
    return s.readLockfile()
  }
  const packageJson = readFileSync(join(s.projectDir, 'package.json'), 'utf8')
  const main = await npm([...LOCKFILE_ARGS, '--before', DEMO_MAIN_BEFORE.toISOString()])
  const updated = DEMO_PACKAGES.filter((p) => p.mainVersion)
  const pullRequest = await npm(['update', ...updated.map((p) => p.name), '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund'])
  if (readFileSync(join(s.projectDir, 'package.json'), 'utf8') !== packageJson) throw new Error('generate-demo: npm update changed package.json')
  for (const pkg of DEMO_PACKAGES.filter((p) => p.role === 'tampered')) {
    const entry = pullRequest.packages[`node_modules/${pkg.name}`]
    if (!entry) throw new Error(`generate-demo: ${pkg.name} is not in the lockfile`)
    // What the pull request's author "got" (pull-request/<basename>-<version>.tgz): not the bytes the registry signed.
    entry.integrity = `sha512-${createHash('sha512').update(s.version(`${pkg.name}@${pkg.version}`).tarball).digest('base64')}`
  }
  assertPullRequest(main, pullRequest)
  return { main, pullRequest }
}

/** Main locks each package's main version; the pull request changes what the demo says it does, and nothing else. */
function assertPullRequest(main: Lockfile, pullRequest: Lockfile): void {
  const paths = new Set([...Object.keys(main.packages), ...Object.keys(pullRequest.packages)])
  for (const path of paths) {
    const pkg = DEMO_PACKAGES.find((p) => path === `node_modules/${p.name}`)
    const [before, after] = [main.packages[path], pullRequest.packages[path]]
    const expected = (entry: typeof before, version: string | undefined) => entry?.version === version
    if (pkg && (!expected(before, pkg.mainVersion ?? pkg.version) || !expected(after, pkg.version))) {
      throw new Error(`generate-demo: ${path} is ${before?.version ?? 'absent'} on main and ${after?.version ?? 'absent'} in the pull request`)
    }
    const changed = JSON.stringify(before) !== JSON.stringify(after)
    if (changed && !(pkg?.mainVersion || pkg?.role === 'tampered')) throw new Error(`generate-demo: the pull request changes ${path || 'the root package'}`)
    if (changed && pkg?.role === 'tampered' && JSON.stringify({ ...before, integrity: '' }) !== JSON.stringify({ ...after, integrity: '' })) {
      throw new Error(`generate-demo: the pull request changes ${path} beyond its integrity`)
    }
  }
}

function formatLockfile(s: Scenario, lockfile: Lockfile): string {
  return (JSON.stringify(lockfile, null, 2) + '\n').replaceAll(s.registry.origin, DEMO_PLACEHOLDER_ORIGIN)
}

/** The main branch: package.json, its npm-written lockfile (placeholder URLs) and the policy. */
function writeProject(s: Scenario, main: Lockfile, dir: string): void {
  write(join(dir, 'package.json'), readFileSync(join(s.projectDir, 'package.json')))
  write(join(dir, 'package-lock.json'), formatLockfile(s, main))
  write(join(dir, 'verify-deps.policy.yaml'), DEMO_POLICY)
}

function write(file: string, content: string | Buffer): void {
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, content)
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const outDir = resolve(process.argv[2] ?? DEMO_FIXTURES_DIR)
  await generateDemo(outDir)
  process.stdout.write(`generate-demo: wrote ${GENERATED_DIRS.map((d) => join(outDir, d)).join(', ')}\n`)
}
