/**
 * The one registry of run errors, as lib/findings.ts is for findings. An error means the run could
 * not finish (an unusable policy file, a lockfile npm would refuse, a registry that cannot be
 * reached); a package outcome is never an error. Each code is stable public contract: it is printed
 * under `--json` as `{"error":{"code","summary","detail"}}` (as npm prints its errors), and codes npm
 * itself uses (ENOLOCK, EJSONPARSE, EUSAGE) mean the same here. Every code maps to one exit code
 * through its `kind` (lib/cli/exit-codes.ts turns the kind into the number); docs/errors.md is
 * generated from this table.
 */

/** `usage`: the input was unusable (exit 2). `could-not-verify`: registry, network or trust material (exit 3). */
export type ErrorKind = 'usage' | 'could-not-verify'

export interface ErrorDefinition {
  /** Which exit code the error ends the run with. */
  kind: ErrorKind
  /** What it means, in one line, for docs (the error itself names the file or package). */
  summary: string
  /** What would fix it; printed when the error has no more specific hint. */
  fix: string
}

export const ERRORS = {
  // Arguments and output.
  EUSAGE: {
    kind: 'usage',
    summary: 'An unknown command or option, a malformed option value, or options that cannot be combined.',
    fix: 'Run "verify-deps --help" (or "verify-deps <command> --help") for usage.',
  },
  EOUTPUT: {
    kind: 'usage',
    summary: 'The `--output` file cannot be written (its folder does not exist, it is a directory, no permission). Checked before the run starts.',
    fix: 'Name a file in an existing, writable folder.',
  },
  EINPUTFILE: {
    kind: 'usage',
    summary: 'A file named on the command line (tarball, attestations, packument, trusted root, registry keys) is missing, not a regular file, or too large.',
    fix: 'Check the path; input files must be regular files (not a FIFO, a device or a directory) within the size cap.',
  },
  EJSONPARSE: {
    kind: 'usage',
    summary: 'A JSON file (the lockfile, package.json or an input file) is not valid JSON, e.g. it has unresolved merge conflict markers.',
    fix: 'Fix the file (npm cannot read it either), or regenerate the lockfile with "npm install --package-lock-only".',
  },

  // Project and lockfile (the tree stage).
  ENOPROJECT: {
    kind: 'usage',
    summary: 'The project directory does not exist or is not a directory.',
    fix: 'Point verify-deps at the folder that holds package.json.',
  },
  ENOTNPMPROJECT: {
    kind: 'usage',
    summary: '`install` or `ci` was run in a pnpm or yarn project (a pnpm-lock.yaml or yarn.lock and no npm lockfile): these gates run npm, which would ignore that lockfile and resolve the tree afresh.',
    fix: 'Check the project with "verify-deps check" before "pnpm install --frozen-lockfile" or "yarn install --frozen-lockfile".',
  },
  ENOPACKAGEJSON: {
    kind: 'usage',
    summary: 'There is no package.json where `setup`, `install` or `ci` looks for the project.',
    fix: 'Run the command in the project folder, or name the folder.',
  },
  EPACKAGEJSON: {
    kind: 'usage',
    summary: '`setup`: package.json cannot be changed safely: it is not valid JSON, not a JSON object, or its `scripts` are not what npm expects.',
    fix: 'Fix package.json; npm cannot use it either.',
  },
  ENOLOCK: {
    kind: 'usage',
    summary: 'The project has no package-lock.json, npm-shrinkwrap.json, pnpm-lock.yaml or yarn.lock (or the file `--lockfile` names is not there), or none of the package manager package.json\'s `packageManager` names.',
    fix: 'Write and commit the lockfile with the project\'s package manager ("npm install --package-lock-only", "pnpm install --lockfile-only", "yarn install"), or use `--ideal` (npm) to resolve the tree from the registry.',
  },
  ELOCKFILE: {
    kind: 'usage',
    summary: 'The lockfile is not the shape its package manager writes (an entry of the wrong type, a location with `..` segments, YAML that does not parse, a pnpm or yarn entry without a source, …), or `--lockfile` names no lockfile of the project.',
    fix: 'Regenerate it with "npm install --package-lock-only" (pnpm: "pnpm install --lockfile-only"; yarn 1: "yarn install").',
  },
  ELOCKFILEVERSION: {
    kind: 'usage',
    summary: 'The lockfile is version 1 (no `packages`) or newer than this verify-deps understands; a pnpm-lock.yaml other than 6.x or 9.x; or a yarn berry (2+) yarn.lock, whose checksums hash yarn\'s zip archives, not the registry tarballs.',
    fix: 'Write the lockfile with npm 7 or later ("--lockfile-version 3"), or use a verify-deps release that supports it.',
  },
  ELOCKFILEAMBIGUOUS: {
    kind: 'usage',
    summary: 'The project has both npm-shrinkwrap.json and package-lock.json, with different contents: npm 7 to 11 install from npm-shrinkwrap.json, npm 12 only from package-lock.json, so what is installed depends on the npm. Or package.json names pnpm or yarn (`packageManager`, `devEngines.packageManager`) and has its lockfile, but another lockfile beside it would be read first.',
    fix: 'Keep one lockfile: for npm 12 rename npm-shrinkwrap.json to package-lock.json. For a pnpm or yarn project, name its lockfile with --lockfile, or remove the other one.',
  },
  ELOCKSYNC: {
    kind: 'usage',
    summary: 'The lockfile does not cover package.json (or a workspace\'s): a dependency is missing or does not satisfy its spec, so `npm ci` (or `pnpm install --frozen-lockfile`, `yarn install --frozen-lockfile`) would refuse it.',
    fix: 'Run "npm install --package-lock-only" and review the lockfile change.',
  },
  ENONODEMODULES: {
    kind: 'usage',
    summary: '`--installed` was given but the project has no node_modules.',
    fix: 'Run "npm ci" first, or verify the lockfile alone (the default mode).',
  },
  ENOWORKSPACE: {
    kind: 'usage',
    summary: 'A workspace named with `--workspace` is not in the project.',
    fix: 'Name one of the workspaces package.json lists.',
  },
  ELOADTREE: {
    kind: 'usage',
    summary: 'The dependency tree cannot be built from the files (e.g. a link with no target, an unreadable package.json).',
    fix: 'Regenerate the lockfile with "npm install --package-lock-only".',
  },
  EIDEALTREE: {
    kind: 'could-not-verify',
    summary: '`--ideal`: resolving the dependency tree from the registry failed.',
    fix: 'Check the registry configuration and network, or verify the committed lockfile (the default mode).',
  },
  ENOTINTREE: {
    kind: 'usage',
    summary: '`explain`: the package (or that version of it) is not in the project\'s tree.',
    fix: 'Check the name and version against the lockfile.',
  },

  // Policy.
  EPOLICY: {
    kind: 'usage',
    summary: 'The policy file cannot be used: unreadable, not YAML/JSON, not the schema, contradictory, more than one policy file, or it decides a package two ways.',
    fix: 'Fix the file at the line and column given; "verify-deps policy check FILE" checks it without running the check (docs/policy.md).',
  },
  ENOPOLICY: {
    kind: 'usage',
    summary: '`policy check` was given no file and found no verify-deps.policy.yaml, .yml or .json.',
    fix: 'Name the file: "verify-deps policy check FILE".',
  },

  // Trust over time.
  ETRUSTLOCKFILE: {
    kind: 'usage',
    summary: 'The trust lockfile (verify-deps.trust.json) cannot be used: unreadable, larger than the cap, not JSON, an unknown field, a value of the wrong type, or an entry filed under a release line its version is not in.',
    fix: 'Fix the file at the JSON path given, or rewrite it from the current tree with "verify-deps trust update" and review the diff (docs/trust-lockfile.md).',
  },
  EINITEXISTS: {
    kind: 'usage',
    summary: '`init`: the project already has a policy file or a trust lockfile; nothing was written.',
    fix: 'Run "verify-deps init --dry-run" to see what it would write, or "verify-deps init --force" to replace them.',
  },

  // npm configuration.
  ENPMRC: {
    kind: 'usage',
    summary: 'An .npmrc file cannot be read (not a regular file, too large, no permission).',
    fix: 'Check the .npmrc file named; npm cannot read it either.',
  },
  ENPMCONFIG: {
    kind: 'usage',
    summary: 'An npm setting verify-deps acts on has a value npm does not accept (e.g. `omit=banana`), or two settings that cannot be combined.',
    fix: 'Fix or remove the setting in the file or environment variable named; "npm help config" lists the values npm accepts.',
  },
  EPROJECTNPMRC: {
    kind: 'usage',
    summary: 'A verify-deps key that decides whom to trust (`verify-deps-policy`, `verify-deps-trusted-root`, `verify-deps-tuf-mirror`) is set in the project `.npmrc`, or in a user or global npmrc the project names or contains: a pull request can edit those.',
    fix: 'Remove the key from the file named; set it in a user or global npmrc outside the project, in the CI environment, or with its command-line option.',
  },
  EINVALIDREGISTRY: {
    kind: 'usage',
    summary: 'A registry setting (`registry`, `@scope:registry`, `--registry`) is not an http(s) URL.',
    fix: 'Set the registry to an http(s) URL.',
  },
  EINVALIDAUTH: {
    kind: 'usage',
    summary: 'An .npmrc holds unscoped credentials (`_authToken`, `_auth`, `username`/`_password`), which npm 9 and later refuse too.',
    fix: 'Scope them to their registry, e.g. `//registry.npmjs.org/:_authToken=…`, or run "npm config fix".',
  },
  ECAFILE: {
    kind: 'usage',
    summary: 'The `cafile` npm setting names a file that cannot be read.',
    fix: 'Point `cafile` at a readable PEM file, or remove the setting.',
  },

  // Trust material.
  ETRUSTEDROOT: {
    kind: 'usage',
    summary: 'The `--trusted-root` file is not a usable Sigstore trusted root.',
    fix: 'Pass a Sigstore trusted_root.json (media type application/vnd.dev.sigstore.trustedroot.v0.1+json).',
  },
  EREGISTRYKEYSFILE: {
    kind: 'usage',
    summary: 'A `--registry-keys` file is not a usable registry keys document (TUF keys.json or /-/npm/v1/keys shape).',
    fix: 'Pass the keys as the registry publishes them (`GET /-/npm/v1/keys`) or Sigstore TUF\'s registry.npmjs.org/keys.json (docs/trust.md).',
  },
  EREGISTRYKEYS: {
    kind: 'could-not-verify',
    summary: 'A registry\'s signing keys could not be fetched from `/-/npm/v1/keys`, or what it served is not a keys document.',
    fix: 'Check the registry and network, or pin the registry\'s keys with `--registry-keys <registry-url>=<file>` (docs/trust.md).',
  },
  ETRUSTMATERIAL: {
    kind: 'could-not-verify',
    summary: 'Trust material verify-deps obtained itself (from Sigstore TUF or embedded) is not usable.',
    fix: 'Retry; if it persists, pin the trust material with `--trusted-root` and `--registry-keys` (docs/trust.md) and report it.',
  },

  // `verify <tarball>` inputs.
  ENOTTARBALL: {
    kind: 'usage',
    summary: '`verify`: the file is not a gzip-compressed npm package tarball with a package/package.json naming the package.',
    fix: 'Pass the .tgz npm publishes (`npm pack` writes one).',
  },
  EPACKUMENT: {
    kind: 'usage',
    summary: '`verify --packument`: the file is not a packument or version document for the package being verified.',
    fix: 'Pass the registry\'s document for this package (`GET /<name>` or `GET /<name>/<version>`).',
  },
  EATTESTATIONS: {
    kind: 'usage',
    summary: '`verify --attestations`: the file is neither an npm attestations document nor a DSSE in-toto Sigstore bundle.',
    fix: 'Pass the registry\'s `GET /-/npm/v1/attestations/<name>@<version>` answer, or one Sigstore bundle from it.',
  },

  // Install gates and setup.
  ENPMSTART: {
    kind: 'usage',
    summary: '`verify-deps install` could not start npm for its `--package-lock-only` run (npm is not installed, not on PATH, or `npm_execpath` points nowhere). Nothing was installed; package.json and the lockfile are put back.',
    fix: 'Check that "npm --version" works in the same shell, then run "verify-deps install" again.',
  },
  ENPMLOCKFILE: {
    kind: 'could-not-verify',
    summary: '`verify-deps install`: npm could not write the lockfile the check needs (its `--package-lock-only` run failed: a registry error, an unresolvable spec, a peer conflict). Nothing was checked or installed; package.json and the lockfile are put back.',
    fix: 'Run "npm install --package-lock-only" with the same arguments to see npm\'s error, fix it, and run "verify-deps install" again.',
  },
  ENODEMODULESCREATED: {
    kind: 'could-not-verify',
    summary: '`verify-deps install`: npm created node_modules during its `--package-lock-only` run, which must not install anything (a changed npm or a script). The gate stops before the check; package.json and the lockfile are put back.',
    fix: 'Remove node_modules, check which npm runs ("npm --version", "which npm") and its configuration, and run "verify-deps install" again.',
  },
  ELIFECYCLE: {
    kind: 'usage',
    summary: '`verify-deps install` / `ci` was run as the project\'s own install script; it runs npm itself and would run again without end. (npm uses the same code for a script that failed.)',
    fix: 'As an install script use "verify-deps" (the check); run "verify-deps install" / "verify-deps ci" yourself instead of npm.',
  },
  EHOOKUNLOCKED: {
    kind: 'usage',
    summary: 'The preinstall hook under npm 12 with `package-lock=false`, or with only an npm-shrinkwrap.json (npm 12 reads none): npm 12 runs the hook before it resolves the dependencies and then installs what it resolves, which no file records, so there is nothing to check. npm stops the install.',
    fix: 'Let npm 12 install from package-lock.json (remove package-lock=false; rename npm-shrinkwrap.json to package-lock.json), or gate with "verify-deps install" / "verify-deps ci".',
  },
  EHOOKEXISTS: {
    kind: 'usage',
    summary: '`setup`: package.json already has a different `preinstall` script; nothing was changed.',
    fix: 'Run "verify-deps setup --force" to replace it, or chain both commands in the script.',
  },

  // The audit (verify-deps audit, docs/audit.md).
  EAUDITDEPENDENCY: {
    kind: 'usage',
    summary: '`audit`: an optional peer dependency it needs (@electric-sql/pglite for --db, pg for --database, pg-boss for the job queue and `audit worker`) is not installed. The check never needs them.',
    fix: 'Install the package the message names (npm install <pkg>) where verify-deps is installed.',
  },
  EAUDITDB: {
    kind: 'usage',
    summary: '`audit`: the store folder (--db, default .verify-deps-audit/) cannot be created or opened, or holds a store of another schema version.',
    fix: 'Name a writable folder; PGlite lets one process use a folder at a time (use --database postgres://… for several).',
  },
  EAUDITDATABASE: {
    kind: 'could-not-verify',
    summary: '`audit`: the PostgreSQL server named by --database cannot be reached, a query failed, or it has no audit queue yet (`audit status` before any job was enqueued).',
    fix: 'Check the URL, the server and the credentials (the password is never printed); enqueue jobs before asking for their status.',
  },
  EAUDITPOPULATION: {
    kind: 'usage',
    summary: '`audit`: the population cannot be read: a --packages line that is not `name` or `name@version` (file:line given), a file that cannot be read, or no population option.',
    fix: 'Fix the line named, or run "verify-deps audit --help".',
  },
  EAUDITFEED: {
    kind: 'could-not-verify',
    summary: '`audit --changes`: the registry\'s replication feed (`<feed>/_changes`) could not be read or is not a CouchDB changes document.',
    fix: 'Check --feed (default: the registry\'s replicate feed) and retry: the run resumes from the last stored sequence.',
  },

  // Bugs.
  EINTERNAL: {
    kind: 'could-not-verify',
    summary: 'An internal error: verify-deps failed in a way it did not expect. Never a pass.',
    fix: 'Please report this at the verify-deps issue tracker.',
  },
} as const satisfies Record<string, ErrorDefinition>

/** A registered error code; a code that is not in ERRORS does not compile. */
export type ErrorCode = keyof typeof ERRORS

/** The codes that mean the input was unusable (exit 2). */
export type UsageErrorCode = { [K in ErrorCode]: (typeof ERRORS)[K]['kind'] extends 'usage' ? K : never }[ErrorCode]

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERRORS, value)
}

/**
 * An error that stops the run, with a registered code, a message naming the file or package and what
 * is wrong, and optionally a hint more specific than the registry's fix. Not to be confused with
 * `@sigstore/verify`'s VerificationError/PolicyError, which verify-deps turns into findings.
 */
export class VerifyDepsError extends Error {
  readonly code: ErrorCode
  declare readonly hint?: string

  constructor(code: ErrorCode, message: string, hint?: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'VerifyDepsError'
    this.code = code
    if (hint !== undefined) this.hint = hint
  }

  /** Decided by the registry, never by the thrower: the same code always ends a run the same way. */
  get kind(): ErrorKind {
    return ERRORS[this.code].kind
  }
}

/** Unusable input: a file that cannot be read, is not JSON, is not a tarball, a bad option… (exit 2). */
export function inputError(code: UsageErrorCode, message: string, hint?: string): VerifyDepsError {
  return new VerifyDepsError(code, message, hint)
}
