/**
 * The one definition of the policy file (`verify-deps.policy.yaml`). It validates documents
 * (lib/policy/parse.ts), yields the published JSON Schema (docs/policy.schema.json) and the field
 * table of docs/policy.md. Unknown keys are errors everywhere.
 */
import { parseDuration } from '../model/trust.js'
import { FINDINGS, WAIVABLE_CODES, isFindingCode, isWaivable, type FindingCode, type FindingPolicy } from '../findings.js'
import { checkRange, splitPackageSpec } from './match.js'
import { boolean, constant, list, object, oneOrList, optional, required, string, type FieldRow, type Infer, type JsonSchema } from './schema-dsl.js'

export { POLICY_FILE_NAMES } from './load.js'

export const MODES = ['enforce', 'warn', 'off'] as const

// npm package names (including legacy mixed-case ones), with `*` / `**` as globs.
const NAME_PART = '[A-Za-z0-9._~*-]+'
const PACKAGE_PATTERN = new RegExp(`^(?:@${NAME_PART}/)?${NAME_PART}$`)
const PACKAGE_SPEC = new RegExp(`^(?:@${NAME_PART}/)?${NAME_PART}(?:@.+)?$`)

const glob = (description: string) => string({ description, typeName: 'string / glob' })

const packagePattern = string({
  description: 'A package name or a glob over names (`@acme/*`, `**`).',
  typeName: 'glob',
  pattern: {
    regex: PACKAGE_PATTERN,
    message: 'is not a package name or name glob',
    hint: 'rules match package names only; to treat one version differently use exceptions',
  },
})

const packageSpec = (description: string) =>
  string({
    description,
    typeName: 'package spec',
    pattern: { regex: PACKAGE_SPEC, message: 'is not `name`, `name@version` or `name@range`' },
    check: (value) => {
      const { range } = splitPackageSpec(value)
      const problem = range === undefined ? undefined : checkRange(range)
      return problem ? `${JSON.stringify(value)} ${problem}` : undefined
    },
  })

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/

const dateOf = (description: string) => string({
  description,
  typeName: 'date',
  pattern: { regex: DATE, message: 'is not a date written YYYY-MM-DD' },
  json: { format: 'date' },
  check: (value) => {
    const m = DATE.exec(value)
    if (!m) return undefined
    const d = new Date(`${value}T00:00:00Z`)
    return Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== value ? `${JSON.stringify(value)} is not a date that exists` : undefined
  },
})

const date = dateOf('A date, `YYYY-MM-DD` (UTC).')

const duration = string({
  description:
    'A version published more recently than this (a whole number and a unit: `m` minutes, `h` hours, `d` days, `w` weeks: `72h`, `4d`) is `RELEASE_TOO_NEW`, decided by `mode`; so is one whose publish time is unknown. The publish time is the transparency log\'s signed time of its verified attestations, else the registry\'s `time[version]` (unsigned). `--at` judges the age as of another moment. docs/continuity.md.',
  typeName: 'duration',
  pattern: { regex: /^[1-9]\d{0,5}[mhdw]$/, message: 'is not a duration like 72h or 4d' },
  check: (value) => (parseDuration(value) === undefined ? `${JSON.stringify(value)} is not a duration like 72h or 4d` : undefined),
})

const continuityMode = (what: string) =>
  string({
    description: `${what}: \`enforce\` an error, \`warn\` a warning, \`off\` not checked.`,
    enum: MODES,
  })

const continuity = object(
  {
    downgrade: optional(
      continuityMode(
        "`TRUST_DOWNGRADE`: the locked version has less verified (none < signature < provenance < trusted-publisher < approved) than an earlier version of its release line whose evidence verified, or than the trust lockfile accepted. Under `enforce`, a package whose registry gave no history and that has no trust-lockfile entry warns (`HISTORY_UNAVAILABLE`)",
      ),
      '`warn`',
    ),
    identity: optional(continuityMode("`IDENTITY_CHANGED`: the locked version's verified provenance names another build identity (issuer, repository or its id, workflow, trigger class, ref kind, hosted → self-hosted runner) than the previous verified build of its line, or than the trust lockfile recorded"), '`warn`'),
    since: optional(dateOf('Versions published before 00:00 UTC that day are not history (e.g. the day a project moved to trusted publishing); the trust lockfile still counts.')),
  },
  { description: 'Trust over time (docs/continuity.md): how a drop in verified trust or a change of build identity against earlier versions of the same release line is decided. Exceptions may waive its findings.' },
)

/** Why a known code cannot be waived, for the schema's error message (from the finding registry). */
function whyNotWaivable(code: FindingCode): string {
  return `${code} cannot be waived: ${(FINDINGS[code].policy as FindingPolicy).notWaivable ?? 'it is not a requirement'}`
}

const findingCode = string({
  description: 'A finding code (docs/findings.md) that exceptions may waive.',
  typeName: 'finding code',
  enum: WAIVABLE_CODES,
  check: (value) => (isFindingCode(value) && !isWaivable(value) ? whyNotWaivable(value) : undefined),
})

const mode = string({
  description:
    '`enforce`: requirements not met fail the package; `warn`: they warn; `off`: the requirements are not checked. Validity failures (a signature or attestation that does not verify) and `deny` fail in every mode.',
  enum: MODES,
})

const requirements = object(
  {
    signature: optional(boolean('The registry signature must verify (`SIGNATURE_MISSING`, `SIGNATURE_UNSUPPORTED_BY_REGISTRY` are violations). When false they are reported as info; a signature that is present but invalid still fails.'), 'true'),
    provenance: optional(boolean('Verified SLSA provenance is required (`PROVENANCE_MISSING` is a violation; when false it is reported as info). Implied by `builds`.'), 'false'),
    trustedPublisher: optional(boolean('The registry metadata must show a trusted publisher (`_npmUser.trustedPublisher`), i.e. an OIDC publish, not a token. Unsigned metadata.'), 'false'),
    approver: optional(boolean('The registry metadata must show a human approver of a staged publish (`_npmUser.approver`). Unsigned metadata.'), 'false'),
  },
  { description: 'What a package must have.' },
)

const build = object(
  {
    issuer: optional(glob('OIDC issuer of the provenance certificate (Fulcio extension 1.3.6.1.4.1.57264.1.8, or the legacy .1), e.g. `https://token.actions.githubusercontent.com`.')),
    repository: optional(
      glob(
        'Repository that was built: `owner/name` for github.com, the full URI for other hosts (certificate Source Repository URI .12, else the signed predicate). A pattern containing `://` is compared with the full URI. `acme/*` does not match `acme/x/y`.',
      ),
    ),
    repositoryId: optional(glob('Numeric id of the repository that was built (certificate .15 or predicate `repository_id`). Survives renames and defeats a re-registered name. Quote it: `"123456789"`.')),
    repositoryOwnerId: optional(glob('Numeric id of the repository owner (certificate .17 or predicate `repository_owner_id`). Quote it.')),
    workflow: optional(
      glob(
        "Path of the workflow in the built repository that ran the build, e.g. `.github/workflows/release.yml` (certificate Build Config URI .18, else the predicate). For a reusable workflow this is the *calling* workflow; see `signer`.",
      ),
    ),
    ref: optional(glob('Git ref that was built, e.g. `refs/tags/v*` (certificate Source Repository Ref .14, else the predicate).')),
    runner: optional(string({ description: 'Where the build ran (certificate Runner Environment .11, else the predicate).', enum: ['github-hosted', 'self-hosted'] })),
    trigger: optional(oneOrList(glob('An event name.'), { description: 'Event that triggered the build, one of a list (certificate Build Trigger .20, else the predicate), e.g. `[push, release]`.' })),
    visibility: optional(string({ description: 'Visibility of the built repository (certificate .22).', enum: ['public', 'private', 'internal'] })),
    signer: optional(
      glob(
        'The workflow that signed: the certificate Build Signer URI (.9), else its SAN, without the `@ref` and, for github.com, as `owner/name/<path>` (like `gh attestation verify --signer-workflow`). A pattern containing `@` is compared with the ref too. When `signer` is absent the signing workflow must live in the repository that was built, so a foreign reusable workflow is refused unless named here.',
      ),
    ),
  },
  {
    description: 'One allowed build: every field given must match the provenance identity (globs allowed).',
    minProperties: { count: 1, message: 'an empty builds entry would allow any build; name at least one field' },
  },
)

const findingSeverity = string({
  description: 'The severity a finding with this code gets under the rule.',
  enum: ['error', 'warning', 'info'],
})

// Only requirement codes: validity failures, DENIED and EXCEPTION_EXPIRED keep their severity whatever a policy says.
const severities = object(Object.fromEntries(WAIVABLE_CODES.map((code) => [code, optional(findingSeverity)])), {
  description:
    "Severity of findings with these codes under the rule, instead of what `mode` and `require` make of them (`error`, `warning` or `info`). Only the codes an exception may waive; validity failures are errors whatever this says. The built-in default policy uses it to warn on missing provenance; `SIGNATURE_UNSUPPORTED_BY_REGISTRY: warning` reports a keyless registry without accepting it (the run stays \"could not verify\").",
  minProperties: { count: 1, message: 'an empty severity mapping changes nothing; name at least one code' },
})

/** Fields shared by `default` and each rule. */
const ruleFields = {
  mode: optional(mode, '`enforce`'),
  require: optional(requirements, '`{ signature: true }`'),
  publishers: optional(
    list(glob('An npm account name.'), {
      description: "npm accounts allowed to publish (`_npmUser.name`, unsigned registry metadata); anyone else is `PUBLISHER_NOT_ALLOWED`.",
      minItems: 1,
    }),
  ),
  builds: optional(
    list(build, {
      description: 'Allowed builds: the verified provenance must match at least one entry (`PROVENANCE_IDENTITY_MISMATCH`). Implies `require.provenance: true`.',
      minItems: 1,
    }),
  ),
  severity: optional(severities),
  continuity: optional(continuity, '`{ downgrade: warn, identity: warn }`'),
  minimumReleaseAge: optional(duration),
}

const rule = object(
  {
    packages: required(list(packagePattern, { description: 'Package names or globs the rule applies to. The most specific matching rule wins.', minItems: 1 })),
    ...ruleFields,
  },
  { description: 'Requirements for the packages it names.' },
)

const exception = object(
  {
    package: required(packageSpec('The package it applies to: `name`, `name@version` or `name@range` (the name may be a glob).')),
    allow: required(list(findingCode, { description: `Finding codes waived for matching packages: ${WAIVABLE_CODES.map((c) => `\`${c}\``).join(', ')}.`, minItems: 1 })),
    reason: required(string({ description: 'Why the exception is acceptable (shown in reports).' })),
    expires: optional(date),
  },
  { description: 'Waives listed finding codes for matching packages until it expires.' },
)

const denial = object(
  {
    package: required(packageSpec('The package denied: `name`, `name@version` or `name@range` (the name may be a glob).')),
    reason: required(string({ description: 'Why it is denied (shown in reports).' })),
  },
  { description: 'A package that always fails.' },
)

const installScripts = object(
  {
    mode: optional(
      string({
        description:
          '`enforce`: a package whose install scripts npm will run without the required evidence fails (`INSTALL_SCRIPT_UNVERIFIED`), as does an allowScripts entry pinned to another version (`INSTALL_SCRIPT_NOT_ALLOWED`); `warn`: they warn; `off`: not checked (the report still says which packages run install scripts).',
        enum: MODES,
      }),
      '`warn`',
    ),
    require: optional(
      object(
        {
          provenance: optional(boolean('Verified SLSA provenance for the locked integrity.'), 'true'),
          trustedPublisher: optional(boolean('Verified provenance and a trusted publisher in the registry metadata (`_npmUser.trustedPublisher`): published from CI through OIDC, not with a token.'), 'false'),
        },
        { description: 'What verify-deps must have verified about a package whose install scripts npm will run.' },
      ),
      '`{ provenance: true }`',
    ),
  },
  { description: "Install scripts only from verified builds: which packages npm will run install scripts for (the lockfile's `hasInstallScript`, package.json `allowScripts`, the npm that installs) and what they need. docs/policy.md#install-scripts." },
)

export const POLICY_SCHEMA = object(
  {
    $schema: optional(string({ description: 'The JSON Schema this file follows (for editors; ignored by verify-deps).' })),
    version: required(constant(1, 'Policy format version.')),
    default: optional(object(ruleFields, { description: 'Applies to packages no rule matches.' }), 'the built-in default policy'),
    rules: optional(list(rule, { description: 'Rules by package name.' })),
    exceptions: optional(list(exception, { description: 'Waivers for specific findings on specific packages.' })),
    deny: optional(list(denial, { description: 'Packages that always fail.' })),
    installScripts: optional(installScripts, '`{ mode: warn, require: { provenance: true } }`'),
  },
  { description: 'verify-deps trust policy (verify-deps.policy.yaml).' },
)

/** The document as written (optional keys absent), after validation. */
export type PolicyDocument = Infer<typeof POLICY_SCHEMA>

export function policyJSONSchema(): JsonSchema {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'verify-deps policy',
    ...POLICY_SCHEMA.jsonSchema(),
  }
}

export function policyFieldRows(): FieldRow[] {
  return POLICY_SCHEMA.fieldRows('')
}
