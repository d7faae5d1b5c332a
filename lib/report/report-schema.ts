/**
 * The JSON report's schema (JSON Schema draft 2020-12) and the meaning of every status, in one
 * place: docs/report.schema.json and docs/report.md are generated from here, and the `Record`
 * types below fail to compile when a status or identity field is added to the code without a
 * description here.
 */
import { FINDINGS, type FindingSeverity } from '../findings.js'
import type { Decision, PackageSource, RegistryDiagnosis, RegistryKeysSource } from '../model.js'
import type { EvidenceOrigin } from '../model/evidence.js'
import type { AttestationStatus, IdentitySource, IntegrityStatus, SignatureStatus, SignerIdentity } from '../model/facts.js'
import type { AllowScriptsVerdict, NpmScriptRules } from '../model/install-scripts.js'
import { TRUST_LEVELS } from '../model/trust.js'

export const REPORT_SCHEMA_VERSION = 1

export const DECISIONS: Record<Decision, string> = {
  pass: 'Everything the policy requires verified.',
  warn: 'Allowed, with findings the policy treats as warnings (e.g. no provenance).',
  fail: 'A finding the policy treats as an error: do not install.',
  skipped: 'Not verified on its own, for the reason in `skipReason` (e.g. bundled inside a parent that was verified).',
}

export const SEVERITIES: Record<FindingSeverity, string> = {
  error: 'Fails the package.',
  warning: 'Reported; the package is `warn` unless another finding fails it.',
  info: 'Reported only.',
}

export const PACKAGE_SOURCES: Record<PackageSource, string> = {
  registry: 'Fetched from an npm registry: the only source with registry signatures and attestations.',
  git: 'A git dependency.',
  file: 'A local tarball or folder (`file:`).',
  link: 'A symlinked folder (`link:`, workspaces).',
  remote: 'A tarball URL outside any registry.',
  bundled: "Shipped inside another package's tarball (`bundleDependencies`).",
}

export const REGISTRY_KEYS_SOURCES: Record<RegistryKeysSource, string> = {
  pinned: 'Named by the user: `--registry-keys [URL=]FILE` or `//host/path/:verify-deps-registry-keys=FILE` in npm config. The registry itself is never asked.',
  'sigstore-tuf': "The registry's `keys.json` target in Sigstore's TUF repository.",
  embedded: "The npm registry keys shipped with verify-deps (Sigstore TUF's copy, used offline or when TUF cannot be reached).",
  registry: "The registry's own `GET /-/npm/v1/keys`: only the registry vouches for them (the text report says so in a notice).",
  none: 'The registry publishes no keys (`/-/npm/v1/keys` answered 404 or 400): its packages have no registry signature to check.',
  unavailable: 'The keys could not be obtained (network failure, or offline without a pin): its packages could not be verified.',
}

export const INTEGRITY_STATUSES: Record<IntegrityStatus | 'not-checked', string> = {
  verified:
    "The lockfile's integrity is one sha512 the registry agrees with (or, with `--fetch-tarballs`, a weaker one that the downloaded bytes match along with the registry's sha512): signatures and attestations were checked against that sha512.",
  mismatch: "The lockfile's integrity differs from the registry's `dist.integrity` (or the tarball bytes do not hash to it).",
  missing:
    'The lockfile gives no single sha512 npm would check (absent, weaker algorithm, unparsable, or several digests): nothing is bound, so signatures and attestations were not checked.',
  'not-checked': 'No facts: the package was skipped, is not from a registry, or its evidence could not be fetched.',
}

export const SIGNATURE_STATUSES: Record<SignatureStatus, string> = {
  verified: 'A registry signature over `name@version:integrity` verifies with a registry key valid at publish time.',
  missing: 'The registry publishes keys but the version carries no signature.',
  invalid: 'A signature by a known key does not verify, or `dist.signatures` is malformed.',
  'key-unknown': 'Signed only with key ids verify-deps does not trust.',
  'key-expired': 'Signed only with keys that were not valid when the version was published.',
  unsupported: 'The registry publishes no signing keys.',
  'not-checked': 'Not checked: no registry data for the package (skipped, not from a registry, fetch failed, or `verify` without `--packument`).',
}

export const ATTESTATION_STATUSES: Record<AttestationStatus | 'not-checked', string> = {
  verified: 'The attestation verifies (Sigstore bundle, transparency log, certificate or registry key) and names this package and integrity.',
  invalid: 'The attestation bundle failed verification.',
  mismatch: 'The attestation verifies but is about another package, version or integrity.',
  missing: 'The registry advertises the attestation but it was absent, incomplete or could not be fetched.',
  none: 'The version has no such attestation.',
  'not-checked': 'No facts: the package was skipped, is not from a registry, or its evidence could not be fetched.',
}

export const ALLOW_SCRIPTS_VERDICTS: Record<AllowScriptsVerdict, string> = {
  allowed: 'An `allowScripts` entry with `true` matches it, and none with `false`.',
  denied: 'An `allowScripts` entry with `false` matches it (deny wins).',
  unreviewed: 'No `allowScripts` entry matches it (an entry pinned to another version does not).',
  bundled: "Inside another package's tarball: no `allowScripts` entry can allow or deny it.",
}

export const NPM_SCRIPT_RULES: Record<NpmScriptRules, string> = {
  npm12: 'npm 12 and later: install scripts run only for `allowed` packages.',
  npm11: 'npm 11.16 to 11.x: install scripts run unless `denied` (unreviewed ones with a warning; under `strict-allow-scripts` an unreviewed one fails the install).',
  legacy: 'npm before 11.16, or an npm that could not be identified: `allowScripts` is not read and every install script runs (verify-deps assumes this when unsure).',
}

export type IdentityField = Exclude<keyof SignerIdentity, 'sources'>

/** Every field of the signer identity, in the order the docs list them (and json.ts writes them). */
export const IDENTITY_FIELDS: Record<IdentityField, string> = {
  issuer: 'OIDC issuer of the signing certificate, e.g. `https://token.actions.githubusercontent.com`.',
  subjectAlternativeName: 'Certificate SAN: for GitHub Actions the workflow that signed, including a reusable workflow (`job_workflow_ref`).',
  repository: 'Repository that was built: `owner/name` on github.com, else the full source URI.',
  repositoryUri: 'Source repository URI.',
  repositoryId: 'Immutable id of the source repository.',
  repositoryOwnerId: 'Immutable id of the repository owner.',
  workflow: 'Path of the workflow that ran the build in `repository`, e.g. `.github/workflows/release.yml`.',
  ref: 'Git ref that was built, e.g. `refs/tags/v1.0.0`.',
  commit: 'Source commit (git SHA-1).',
  runner: '`github-hosted` or `self-hosted`.',
  trigger: 'Event that triggered the build (`push`, `release`, `workflow_dispatch`…).',
  visibility: 'Source repository visibility at build time.',
  buildSignerUri: 'Build signer URI (the workflow file, with ref, that signed).',
  runInvocationUri: 'URI of the build run.',
  buildType: 'SLSA build type of the predicate.',
  builderId: 'SLSA builder id of the predicate.',
}

export const IDENTITY_SOURCES: Record<IdentitySource, string> = {
  certificate: 'A Fulcio certificate extension (OID 1.3.6.1.4.1.57264.1.8 and later).',
  'certificate-legacy': 'A deprecated Fulcio extension (1.3.6.1.4.1.57264.1.1–.6, certificates before about April 2023).',
  'certificate-san': "The certificate's Subject Alternative Name.",
  predicate: 'The signed SLSA provenance predicate.',
}

export const EVIDENCE_ROLES: Record<EvidenceOrigin['role'], string> = {
  registry: "The package's own registry, checked with that registry's keys.",
  mirror: "The package's own registry, a mirror with an upstream (docs/mirrors.md): its evidence was complete (signatures and attestations) and was checked with the upstream's keys.",
  upstream: "The upstream named for the package's registry (`--upstream`, `verify-deps-upstream`): the mirror's version lacked signatures or attestations. Asked without credentials; checked with the upstream's keys and bound to the lockfile's integrity like any evidence.",
}

export const REGISTRY_DIAGNOSES: Record<RegistryDiagnosis['kind'], string> = {
  keyless: 'It publishes no signing keys and its unverified packages were left to the built-in default policy (with an upstream: the upstream publishes none).',
  'signed-without-keys': 'Its versions carry registry signatures but it publishes no keys to check them: a mirror that keeps npm\'s signatures. `--upstream` checks them with the upstream\'s keys.',
  unsigned: 'It has signing keys, yet most of its versions carry no signature: a mirror or proxy that strips npm\'s signatures and attestations. `--upstream` fetches them from the upstream.',
}

type Schema = Record<string, unknown>

const keysOf = (record: Record<string, string>) => Object.keys(record)
const str = (description: string): Schema => ({ type: 'string', description })
const strOrNull = (description: string): Schema => ({ type: ['string', 'null'], description })
const bool = (description: string): Schema => ({ type: 'boolean', description })
const count = (description: string): Schema => ({ type: 'integer', minimum: 0, description })
const ref = (name: string, description: string): Schema => ({ $ref: `#/$defs/${name}`, description })
const enumOf = (values: readonly string[], description: string): Schema => ({ type: 'string', enum: [...values], description })
/** An object whose listed properties are all required, unless named in `optional`; no others allowed. */
const object = (description: string, properties: Record<string, Schema>, optional: readonly string[] = []): Schema => ({
  type: 'object',
  description,
  additionalProperties: false,
  required: Object.keys(properties).filter((k) => !optional.includes(k)),
  properties,
})

const identityFields = Object.fromEntries(Object.entries(IDENTITY_FIELDS).map(([field, description]) => [field, str(description)]))

export const REPORT_JSON_SCHEMA: Schema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  title: 'verify-deps JSON report',
  ...object(
    'The result of `verify-deps --format json`, and of `verify-deps verify <file.tgz> --format json` (a report with one package). Fields may be added within a schema version; none is renamed or removed.',
    {
      schemaVersion: { const: REPORT_SCHEMA_VERSION, description: 'Version of this format. Changes only when a field is renamed, removed or changes meaning.' },
      tool: object('The tool that made the report.', { name: str('`verify-deps`.'), version: str('Its version.') }),
      project: object(
        'The project that was checked (for `verify`, the tarball).',
        {
          root: str('Project root folder (for `verify`, the folder of the tarball).'),
          lockfile: str('The lockfile that was read; empty when none was (`verify`).'),
          lockfileFormat: enumOf(['npm', 'pnpm', 'yarn'], 'The check only: whose lockfile `lockfile` is: npm (package-lock.json, npm-shrinkwrap.json), pnpm (pnpm-lock.yaml) or yarn (yarn.lock v1). When a project has several, npm\'s is read unless `--lockfile` chooses; the others are named in `notices`.'),
          policy: strOrNull('The policy file that decided, or `null` for the built-in default policy.'),
          tarball: str('`verify` only: the tarball that was verified, as named on the command line.'),
          settings: {
            type: 'array',
            items: { $ref: '#/$defs/setting' },
            description: 'The check only: settings that shaped what was checked or how, and where each came from (a file, the environment, the command line): `omit` (dependency types left out), `workspace`, `offline`, `at` (`--at`: the check was decided as of that time, not when it ran), and the `verify-deps-*` npm config keys in effect. A pull request that adds `omit=dev` to the project `.npmrc` shows here.',
          },
        },
        ['tarball', 'settings', 'lockfileFormat'],
      ),
      summary: object('How many packages ended each way. `total` is the sum of the others.', {
        total: count('Distinct packages (`name@version`) checked.'),
        pass: count('Packages that passed.'),
        warn: count('Packages allowed with warnings.'),
        fail: count('Packages that failed.'),
        skipped: count('Packages skipped, with a reason.'),
      }),
      couldNotVerify: bool('True when some evidence could not be obtained (registry, network or trust-material failure, offline without it in the cache), or a registry without keys left packages unverified under the built-in default policy: the run exits 3 unless something failed.'),
      notices: { type: 'array', items: { type: 'string' }, description: 'Things to know about the run itself, e.g. a fall back to embedded trust material.' },
      registries: { type: 'array', items: { $ref: '#/$defs/registry' }, description: 'Each registry the packages come from, where its signing keys came from, and how many of its packages were verified.' },
      packages: { type: 'array', items: { $ref: '#/$defs/package' }, description: 'One entry per distinct `name@version`, however many places it is installed.' },
      installScripts: {
        oneOf: [{ $ref: '#/$defs/installScriptRules' }, { type: 'null' }],
        description: 'Which npm rules decided whether dependency install scripts run, and why; `null` when no package has install scripts (or for `verify`).',
      },
    },
  ),
  $defs: {
    setting: object('A setting and where it came from.', {
      key: str('The npm config key: `omit`, `workspace`, `offline`, `verify-deps-policy`, …'),
      value: { description: 'Its value: a string, number, boolean or list of strings.' },
      from: str('Where it was set: a config file path, `environment (npm_config_*)`, `command line`, or why npm chose it (e.g. `NODE_ENV=production (environment)`).'),
    }),
    package: object('One distinct package and what was decided about it.', {
      name: str('The real package name (for an `npm:` alias, the package it resolves to).'),
      version: str('The version.'),
      integrity: strOrNull("The lockfile's integrity; null when it records none (the registry's is never used in its place)."),
      source: enumOf(keysOf(PACKAGE_SOURCES), 'Where its bytes come from.'),
      registry: strOrNull('The registry it is fetched from (with a trailing slash), for registry packages.'),
      locations: { type: 'array', items: { $ref: '#/$defs/location' }, description: 'Everywhere it is installed.' },
      decision: enumOf(keysOf(DECISIONS), 'How it ended.'),
      skipReason: strOrNull('Why it was skipped; `null` unless `decision` is `skipped`.'),
      rule: str('The policy rule that decided (`default` for the built-in default policy).'),
      findings: { type: 'array', items: { $ref: '#/$defs/finding' }, description: 'What was found, with the severity the policy gave it.' },
      evidence: ref('evidence', 'What verification established.'),
      installScripts: {
        oneOf: [{ $ref: '#/$defs/installScripts' }, { type: 'null' }],
        description: "Whether npm will run its install scripts; `null` when the lockfile says it has none (`hasInstallScript`).",
      },
      trust: {
        oneOf: [{ $ref: '#/$defs/trust' }, { type: 'null' }],
        description: 'Trust over time (continuity.md): its level, the earlier version it was compared with and the trust lockfile entry; `null` when the check did not gather it (not a registry package, bundled, `verify`).',
      },
    }),
    trust: object("A package's trust over time, as the policy's continuity step compared it.", {
      level: enumOf(TRUST_LEVELS, 'What verified for the locked version: `none` < `signature` (a registry signature only) < `provenance` (verified SLSA provenance) < `trusted-publisher` (and `_npmUser.trustedPublisher`) < `approved` (and `_npmUser.approver`).'),
      publishedAt: {
        oneOf: [object('When it was published.', { at: str('ISO 8601 time.'), source: enumOf(['signed', 'registry'], "`signed`: the transparency log's signed time of its verified attestations; `registry`: the registry's `time[version]`, which nothing signs.") }), { type: 'null' }],
        description: 'When the locked version was published, and how that is known; `null` when unknown (then a `minimumReleaseAge` fails closed: `RELEASE_TOO_NEW`).',
      },
      historyState: enumOf(['checked', 'unavailable', 'not-checked'], '`checked`: earlier versions of its release line were looked at; `unavailable`: the registry gave none (`HISTORY_UNAVAILABLE`, never read as no downgrade); `not-checked`: continuity is off for its rule.'),
      history: {
        oneOf: [
          object('An earlier version whose evidence was fetched and verified.', { level: enumOf(TRUST_LEVELS, 'Its verified level.'), version: str('Its version.'), publishedAt: str("The registry's `time[version]`.") }),
          { type: 'null' },
        ],
        description: 'The earlier version of its release line it was compared with: the most recent one that verified above it (a `TRUST_DOWNGRADE`), else the previous verified build (the identity `IDENTITY_CHANGED` compares with); `null` when none.',
      },
      baseline: {
        oneOf: [
          object(
            'The trust lockfile (`verify-deps.trust.json`) entry for its name and release line: what the project accepted.',
            {
              line: str('The release line: the major (`1`), the minor for 0.x (`0.30`), a prerelease its own `1.2.3-beta`.'),
              level: enumOf(TRUST_LEVELS, 'The level accepted.'),
              version: str('The version the entry was recorded from.'),
              identity: object(
                'The build identity accepted (trigger as its class, ref as its kind).',
                { issuer: str('OIDC issuer.'), repository: str('Repository.'), repositoryId: str('Repository id.'), workflow: str('Workflow path.'), trigger: str('Trigger class (`release`, `manual`, `pull-request-target`, …).'), refKind: str('`tag`, `branch`, `pull` or `other`.'), runner: str('`github-hosted` or `self-hosted`.') },
                ['issuer', 'repository', 'repositoryId', 'workflow', 'trigger', 'refKind', 'runner'],
              ),
            },
            ['identity'],
          ),
          { type: 'null' },
        ],
        description: 'The trust lockfile entry it was compared with; `null` when there is none.',
      },
    }),
    installScripts: object('A package with install scripts: whether npm will run them, and what verify-deps verified about it (policy `installScripts`, policy.md).', {
      willRun: bool('Whether npm will run its install scripts (preinstall, install, postinstall, or an implicit `node-gyp rebuild`). When unsure, true.'),
      reason: str('Why: the setting, rules or allowScripts entry that decided.'),
      allowScripts: enumOf(keysOf(ALLOW_SCRIPTS_VERDICTS), 'What package.json `allowScripts` (or .npmrc `allow-scripts`) says of it. See "allowScripts verdicts".'),
      matched: { type: 'array', items: { type: 'string' }, description: 'The allowScripts keys that matched it.' },
      pinnedElsewhere: { type: 'array', items: { type: 'string' }, description: '`true` entries that pin this package to other versions than the locked one (`INSTALL_SCRIPT_NOT_ALLOWED`).' },
      rules: enumOf(keysOf(NPM_SCRIPT_RULES), 'The npm rules applied. See "npm script rules".'),
      verified: object('What was verified cryptographically about the locked bytes.', {
        provenance: bool('SLSA provenance verified and names the locked integrity.'),
        trustedPublisher: bool("Verified provenance and the registry's trusted-publisher claim (`_npmUser.trustedPublisher`)."),
      }),
    }),
    installScriptRules: object('Which npm rules decide install scripts for the run.', {
      rules: enumOf(keysOf(NPM_SCRIPT_RULES), 'See "npm script rules".'),
      npmVersion: strOrNull('`npm --version` of the npm that installs (the one that started verify-deps, else the one on PATH); `null` when it could not be asked.'),
      reason: str('Which signals were read (`npm --version`, `npm_config_user_agent`, package.json `packageManager` and `devEngines`) and what decided: the lowest npm that may install.'),
      settings: object('npm settings that decide install scripts, each with where it was set (`default` when unset).', {
        ignoreScripts: ref('npmSetting', '`ignore-scripts`: no install script runs.'),
        dangerouslyAllowAllScripts: ref('npmSetting', '`dangerously-allow-all-scripts`: every install script runs.'),
        strictAllowScripts: ref('npmSetting', '`strict-allow-scripts`: an unreviewed install script fails the install.'),
      }),
      allowScripts: object('Where the allowScripts policy comes from.', {
        source: enumOf(['package.json', '.npmrc', 'none'], 'package.json `allowScripts`, else the .npmrc `allow-scripts` list, else none.'),
        file: strOrNull('The file it was read from.'),
        ignored: { type: 'array', items: { type: 'string' }, description: 'Entries npm ignores, each with why.' },
      }),
    }),
    npmSetting: object('An npm setting.', { value: bool('Its value (fail closed: a value npm might read otherwise counts the way that lets scripts run).'), from: str('Where it was set: a .npmrc file, `environment`, or `default`.') }),
    registry: object('One registry the packages come from.', {
      url: str('The registry URL, with a trailing slash, without credentials.'),
      keysSource: enumOf(keysOf(REGISTRY_KEYS_SOURCES), 'Where its signing keys came from. See "Registry key sources".'),
      keysFrom: strOrNull('The file, TUF target or URL the keys came from (for `none`, the endpoint that said so); `null` when unavailable.'),
      packages: count('Registry packages from it.'),
      verified: count('Of those, cryptographically verified: a registry signature, SLSA provenance or npm publish attestation verified.'),
      couldNotVerify: bool('It publishes no keys and its unverified packages were decided only by the built-in default policy: the run could not verify them (exit 3). A policy rule that accepts them (`require: { signature: false }`) clears it.'),
      upstream: strOrNull('The upstream its packages were checked against (`--upstream`, `verify-deps-upstream`; mirrors.md): `keysSource` and `keysFrom` are then the upstream\'s keys. `null` without one.'),
      fromUpstream: count('Of its packages, how many were verified from the upstream\'s evidence (the mirror\'s lacked signatures or attestations); 0 without an upstream.'),
      unsigned: count('Of its packages, how many had no registry signature that could be checked: none on the version, no keys published, or signatures it publishes no keys for.'),
      signedWithoutKeys: count('Of those, how many carry registry signatures it publishes no keys for: they could not be verified (a mirror that keeps npm\'s signatures; `--upstream` checks them).'),
      diagnosis: { oneOf: [{ $ref: '#/$defs/registryDiagnosis' }, { type: 'null' }], description: 'Why most of its packages could not be verified and what would fix it: the one banner the text report prints for it. `null` when there is nothing to say.' },
    }),
    registryDiagnosis: object('A registry\'s banner (mirrors.md).', {
      kind: enumOf(keysOf(REGISTRY_DIAGNOSES), 'See "Registry diagnoses".'),
      message: str('What was found, with the registry and the counts.'),
      fixes: { type: 'array', items: { type: 'string' }, description: 'What would fix it, one line each.' },
    }),
    evidenceOrigin: object('Where the evidence was fetched from.', {
      registry: str('The registry the version document and attestations were read from, with a trailing slash.'),
      role: enumOf(keysOf(EVIDENCE_ROLES), 'See "Evidence roles".'),
      keys: str('The registry whose signing keys checked it.'),
    }),
    location: object('One place the package is installed.', {
      path: str('Location in the tree, as in package-lock.json, e.g. `node_modules/a/node_modules/b`.'),
      why: { type: 'array', items: { type: 'string' }, description: 'root → … → this package, like `npm explain`, each hop as `name@version`; empty when extraneous. A chain longer than 64 hops keeps its first 32 and its last 31 around one `… N more …` entry.' },
      dev: bool('Only needed for development.'),
      optional: bool('Only an optional dependency needs it.'),
      peer: bool('Brought in as a peer dependency.'),
      workspace: strOrNull('The workspace that depends on it, when it comes in through one.'),
      alias: strOrNull('The name it is installed under, when that differs (an `npm:` alias).'),
      extraneous: bool('Nothing in the project depends on it.'),
    }),
    finding: object('A finding about the package. Codes are listed in findings.md.', {
      code: enumOf(Object.keys(FINDINGS), 'Stable finding code.'),
      severity: enumOf(keysOf(SEVERITIES), 'Severity the policy gave it.'),
      message: str('What was observed, specific to this package.'),
    }),
    evidence: object('What verification established about the package.', {
      integrity: object('Lockfile integrity against the registry.', {
        status: enumOf(keysOf(INTEGRITY_STATUSES), 'See "Integrity statuses".'),
        registryIntegrity: strOrNull("The registry's `dist.integrity`, when known."),
        tarball: { type: ['string', 'null'], enum: ['verified', 'mismatch', null], description: 'Whether tarball bytes were hashed and matched; `null` when not read.' },
      }),
      signature: object('Registry signature (`dist.signatures`).', {
        status: enumOf(keysOf(SIGNATURE_STATUSES), 'See "Signature statuses".'),
        keyid: strOrNull('The key that verified the signature, or the key named by the failing one.'),
      }),
      provenance: object('SLSA provenance attestation.', {
        status: enumOf(keysOf(ATTESTATION_STATUSES), 'See "Attestation statuses".'),
        predicateType: strOrNull('The predicate type, e.g. `https://slsa.dev/provenance/v1`.'),
        signedAt: strOrNull('When it was signed (RFC 3339), from the transparency log.'),
        identity: { oneOf: [{ $ref: '#/$defs/identity' }, { type: 'null' }], description: 'Who built it, from the certificate and the signed predicate; `null` without verified provenance.' },
      }),
      publish: object('npm publish attestation.', {
        status: enumOf(keysOf(ATTESTATION_STATUSES), 'See "Attestation statuses".'),
        keyid: strOrNull('The registry key that signed it.'),
        signedAt: strOrNull('When it was signed (RFC 3339).'),
      }),
      publisher: { oneOf: [{ $ref: '#/$defs/publisher' }, { type: 'null' }], description: 'Registry metadata about who published: reported, never treated as verified; `null` without facts.' },
      origin: { oneOf: [{ $ref: '#/$defs/evidenceOrigin' }, { type: 'null' }], description: 'Where the evidence came from: the package\'s registry, or behind a mirror the mirror or its upstream (mirrors.md); `null` without facts or for evidence read from files (`verify`).' },
    }),
    identity: object(
      'The signer identity. Every field comes from signed material; absent fields were not present.',
      {
        ...identityFields,
        sources: {
          type: 'object',
          propertyNames: { enum: Object.keys(IDENTITY_FIELDS) },
          additionalProperties: enumOf(keysOf(IDENTITY_SOURCES), 'Where the field was read.'),
          description: 'For each field above that is present, where it was read: field name → identity source.',
        },
      },
      Object.keys(IDENTITY_FIELDS),
    ),
    publisher: object(
      'Who published, per the registry (`_npmUser`); no signature covers it.',
      {
        source: { const: 'registry-metadata', description: 'Always `registry-metadata`: reported, never treated as verified.' },
        name: str('npm user name.'),
        email: str('npm user email.'),
        trustedPublisher: object('The trusted publisher (OIDC) that published, when there was one.', { id: str('Trusted publisher id.'), oidcConfigId: str('OIDC configuration id.') }, ['oidcConfigId']),
        approver: object('Who approved a staged publish.', { name: str('npm user name.'), email: str('npm user email.') }, ['name', 'email']),
      },
      ['name', 'email', 'trustedPublisher', 'approver'],
    ),
  },
}
