/**
 * The main job for a project directory, as one call per pipeline stage:
 *   tree → trust material → registry keys → evidence (fetched or cached) → verify → policy → Report.
 * Only tree and fetch do I/O; verify and policy are pure. Never throws for a package: every package
 * ends as pass, warn, fail or skipped. Throws (VerifyDepsError: TreeError, PolicyFileError, …) only when the run cannot go on.
 */
import { join } from 'node:path'
import { existingPaths, FileReadError, MAX_CONFIG_FILE_BYTES, readRegularFile } from './tree/files.js'
import { EvidenceCache } from './fetch/cache.js'
import { RunStore } from './fetch/store/index.js'
import { evidenceKey, type EvidenceOutcome } from './fetch/evidence.js'
import { historyAsWanted, otherSince } from './model/trust.js'
import { checkTrustedRootFile, fetchAndVerify, gatherTrust, outcomeOf, type TrustWanted } from './check-pipeline.js'
import { continuitySettings, wantsHistory } from './policy/continuity-settings.js'
import { loadNpmConfig, OWN_KEYS, type Env, type NpmConfig, type OwnKey } from './fetch/npm-config.js'
import { readInstallScriptConfig } from './fetch/npm-script-settings.js'
import type { InstallScriptContext } from './model/install-scripts.js'
import { withUnflaggedInstallScript } from './policy/install-scripts.js'
import { fetchKeysForRegistries, fetchSelfServedKeys, keysInfo, normalizeRegistry, registryKeysPin, selfServedKeysNotice, upstreamKeys, type RegistryKeysPin, type RegistryKeysResult } from './fetch/registry-keys/by-registry.js'
import { DEFAULT_REGISTRY, registryNerfDart } from './fetch/npm-config.js'
import { summarizeRegistries, type RegistryInfo } from './report/registries.js'
import { redactStrings } from './fetch/redact.js'
import { resolveTrust, trustSourcesOf, type ResolvedTrust } from './fetch/trust.js'
import { createTUFSession } from './fetch/tuf.js'
import { loadRegistryKeysFile } from './fetch/registry-keys/parse.js'
import { finding } from './findings.js'
import type { PackageRef, PackageResult, Report } from './model.js'
import { decisionOf, type PackageOutcome } from './policy/decision.js'
import { evaluateRun, type RunPackage } from './policy/evaluate.js'
import { choosePolicyFile, parsePolicyFile, POLICY_FILE_NAMES, unreadablePolicyFile } from './policy/load.js'
import type { Policy } from './policy/types.js'
import type { OmitType } from './tree/index.js'
import type { RunSetting } from './model.js'
import type { LoadPackagesOptions, TreeResult } from './tree/index.js'
import type { TrustContext, TrustInput } from './verify/trust-context.js'
import { FINDINGS } from './findings.js'
import { compareText } from './model/text-order.js'
import { inputError } from './errors.js'
import type { TrustLockfile } from './model/trust-lockfile.js'
import { MAX_TRUST_LOCKFILE_BYTES, TRUST_LOCKFILE_NAME } from './model/trust-lockfile-file.js'

export interface CheckOptions {
  /** The project folder, or any folder inside it: the root is found by walking up, as npm finds it (npm-config.ts). */
  projectDir: string
  /** The environment npm configuration is read from (the CLI passes process.env). */
  env: Env
  toolVersion: string
  mode?: 'lockfile' | 'installed' | 'ideal'
  /** Only these workspaces (`--workspace`); default: npm's `workspace` config, or the workspace folder it runs in, else all. */
  workspaces?: string[]
  /** With workspaces selected, the root's own dependencies too (`--include-workspace-root`; default: npm's config). */
  includeWorkspaceRoot?: boolean
  /** `--omit` / `--include`: npm's command-line layer, over `omit`/`include`/NODE_ENV=production from npm config. */
  omit?: OmitType[]
  include?: OmitType[]
  /**
   * Every package in the lockfile, whatever npm config omits or selects (`omit`, `workspace`): the
   * gates check what npm may install, and npm's own arguments there can include more.
   */
  wholeProject?: boolean
  registry?: string
  /** `--upstream`: the registry the default registry mirrors (npm config `verify-deps-upstream` on the command line; docs/mirrors.md). */
  upstream?: string
  /** No network at all (npm's `offline` config too): evidence only from the verification cache. */
  offline?: boolean
  trustedRootFile?: string
  /** Keys for registry.npmjs.org (plain `--registry-keys FILE`). */
  registryKeysFile?: string
  /** Keys pinned per registry (`--registry-keys <registry-url>=<file>`): registry URL → file. Win over npm config pins. */
  registryKeysPins?: Readonly<Record<string, string>>
  /** Verification cache folder; `false` disables it. Default: `<npm cache>/_verify-deps`. */
  cacheDir?: string | false
  concurrency?: number
  timeoutMs?: number
  retries?: number
  /** The policy file; default: verify-deps.policy.yaml/.yml/.json in the project, else the built-in default. */
  policyFile?: string
  /** `--lockfile`: the lockfile to read (absolute), instead of npm's, else pnpm's, else yarn's. */
  lockfile?: string
  /**
   * `--fetch-tarballs`: download the tarball of each registry entry whose lockfile integrity is
   * weaker than sha512, so that it can pass when the bytes match it and the registry's signed sha512.
   */
  fetchTarballs?: boolean
  /**
   * `false` for `verify-deps init`, which replaces them: neither the policy file (the project's, or
   * npm config's `verify-deps-policy`) nor the trust lockfile is read. Default true.
   */
  readTrustFiles?: boolean
  /** Clock for exception expiry and release age (minimumReleaseAge). */
  now?: Date
  /** `--at`: the time as the user wrote it, when `now` came from it; the report names it (project.settings `at`). */
  at?: string
  onProgress?: (done: number, total: number, label: string) => void
}

/** The project's policy file (`verify-deps.policy.yaml`, `.yml` or `.json` at its root), or null. Two of them is an error. */
export function findPolicyFile(projectDir: string): string | null {
  return choosePolicyFile(existingPaths(POLICY_FILE_NAMES.map((name) => join(projectDir, name))))
}

/** Reads (fetch stage) and validates (policy stage) a policy file. Rejects with PolicyFileError (code EPOLICY) with the file, path, line and column. */
export async function loadPolicy(path: string): Promise<Policy> {
  let text: string
  try {
    // Only a regular file, within a size cap (a symlink to /dev/zero must not hang the run).
    text = readRegularFile(path, MAX_CONFIG_FILE_BYTES).toString('utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw unreadablePolicyFile(path, code === 'ENOENT' ? 'no such file' : err instanceof FileReadError ? `cannot be read: ${err.reason}` : `cannot be read (${code ?? String(err)})`)
  }
  return parsePolicyFile(text, path)
}

/** The policy a check runs with: the named file, the project's own, or null for the built-in default. */
export async function loadProjectPolicy(projectDir: string, policyFile?: string): Promise<{ policy: Policy | null; file: string | null }> {
  const file = policyFile ?? findPolicyFile(projectDir)
  return { policy: file ? await loadPolicy(file) : null, file }
}

/**
 * The project's trust lockfile (`verify-deps.trust.json` at its root, docs/trust-lockfile.md), or
 * null when it has none. Only a regular file within the cap; unusable: ETRUSTLOCKFILE (exit 2)
 * naming the file and the JSON path.
 */
export async function loadTrustLockfile(projectDir: string): Promise<TrustLockfile | null> {
  const path = join(projectDir, TRUST_LOCKFILE_NAME)
  let text: string
  try {
    text = readRegularFile(path, MAX_TRUST_LOCKFILE_BYTES).toString('utf8')
  } catch (err) {
    if (err instanceof FileReadError && err.code === 'ENOENT') return null
    throw inputError('ETRUSTLOCKFILE', `${path}: cannot be read: ${err instanceof FileReadError ? err.reason : String(err)}`)
  }
  // Its parser (and semver) are loaded only for a project that has one.
  const { parseTrustLockfile } = await import('./model/trust-lockfile.js')
  return parseTrustLockfile(text, path)
}

/**
 * Sets each registry package's `trust.baseline` from the trust lockfile's entry for its name and
 * release line (creating `trust` with the level of its verified facts when nothing else has). The
 * file only ever adds findings: the policy compares the package with it (docs/trust-lockfile.md).
 */
export async function addTrustBaselines(run: RunPackage[], lockfile: TrustLockfile | null): Promise<void> {
  if (!lockfile) return
  const [{ baselineFor }, { trustLevelOf }] = await Promise.all([import('./model/trust-lockfile.js'), import('./model/trust.js')])
  for (const p of run) {
    if (p.ref.source !== 'registry') continue
    const baseline = baselineFor(lockfile, p.ref.name, p.ref.version)
    if (!baseline) continue
    p.trust = { ...(p.trust ?? { level: trustLevelOf(p.outcome.kind === 'verified' ? p.outcome.facts : undefined) }), baseline }
  }
}

/** Everything a check knows before it decides: the policy and each package with its outcome. */
export interface GatheredRun {
  /** The project root npm's rule found (walking up from `projectDir`). */
  projectDir: string
  /** The settings that shaped the run, with where each came from (Report.project.settings). */
  settings: RunSetting[]
  policy: Policy | null
  policyFile: string | null
  tree: TreeResult
  run: RunPackage[]
  notices: string[]
  /** Each registry whose keys check the packages (their own, or their upstream's), with its keys (or why there are none). */
  registryKeys: ReadonlyMap<string, RegistryKeysResult>
  /** Each registry the packages come from, with the keys its packages are checked with and its upstream (docs/mirrors.md). */
  registryInfo: ReadonlyMap<string, RegistryInfo>
  /** Removes URL userinfo, npm tokens and the configuration's secrets from text (lib/fetch/redact.ts). */
  redact: (text: string) => string
  /** Which npm rules decide install scripts, and why; absent when no package has install scripts. */
  scripts?: InstallScriptContext
  /** The project's trust lockfile (verify-deps.trust.json), or null when it has none. */
  trustLockfile: TrustLockfile | null
}

/** Stages 0–4: policy, tree, trust, keys, evidence (fetched or cached) and verification. */
export async function gatherRun(options: CheckOptions): Promise<GatheredRun> {
  // 0. npm's configuration (no request): the project root, found as npm finds it, omit, workspaces,
  //    registries, and verify-deps' own keys; then the policy and the trust lockfile: an unusable
  //    configuration, policy file or trust lockfile stops the run before any request (exit 2).
  const config = await loadNpmConfig({
    cwd: options.projectDir,
    env: options.env,
    cli: { registry: options.registry, upstream: options.upstream, omit: options.omit, include: options.include, workspace: options.workspaces, includeWorkspaceRoot: options.includeWorkspaceRoot, offline: options.offline },
  })
  const projectDir = config.projectDir
  const own = ownSettings(config)
  const readTrustFiles = options.readTrustFiles ?? true
  const { policy, file: policyFile } = readTrustFiles ? await loadProjectPolicy(projectDir, options.policyFile ?? stringSetting(own.get('verify-deps-policy'))) : { policy: null, file: null }
  const trustLockfile = readTrustFiles ? await loadTrustLockfile(projectDir) : null
  const omit = options.wholeProject ? undefined : config.omit
  const workspaces = options.wholeProject ? undefined : config.workspaces
  // With a workspace selected, `include-workspace-root` makes npm install the root's dependencies too.
  const includeRoot = workspaces && config.includeWorkspaceRoot

  // 2 (started now). Sigstore TUF, one attempt per run, refreshed while the tree loads when the
  // trusted root must come from it (no --trusted-root, not offline); otherwise on first use, if any.
  const cacheRoot = join(config.cacheDir, '_verify-deps')
  const offline = config.offline.value
  const { tuf, trustedRootFile } = trustSourcesOf(config, options.trustedRootFile)
  const tufSession = createTUFSession(tuf)
  if (!offline && !trustedRootFile) tufSession.start()

  // 1. The tree: which packages, from which registries (from the sealed tree memo when the project is unchanged: fetch/store).
  const scriptConfig = readInstallScriptConfig(config)
  const cacheDir = options.cacheDir === undefined ? join(cacheRoot, 'facts') : options.cacheDir
  const store = cacheDir ? new RunStore({ cacheDir, env: options.env, toolVersion: options.toolVersion }) : undefined
  const treeOptions: LoadPackagesOptions = {
    ...(scriptConfig.npmrcAllowScripts && { npmrcAllowScripts: scriptConfig.npmrcAllowScripts }),
    projectDir,
    mode: options.mode ?? 'lockfile',
    ...(options.lockfile !== undefined && { lockfile: options.lockfile }),
    ...(workspaces && { workspaces: workspaces.value }),
    ...(includeRoot && { includeWorkspaceRoot: true }),
    ...(omit && { omit: omit.value }),
    registryFor: (name) => config.registryFor(name),
    resolvedRewrite: { registry: config.registry, replaceRegistryHost: String(config.get('replace-registry-host') ?? 'npmjs') },
    arboristOptions: { registry: config.registry, cache: join(config.cacheDir, '_cacache') },
  }
  const tree = store ? await store.loadTree(treeOptions, loadPackages) : await loadPackages(treeOptions)

  // 2. Trust material (TUF, embedded fallback, or files) and every registry's keys. Offline (the
  // flag or npm's `offline`) nothing is requested, from TUF or any registry.
  const concurrency = options.concurrency ?? numberSetting(own.get('verify-deps-concurrency'))
  const fetchTarballs = options.fetchTarballs ?? own.get('verify-deps-fetch-tarballs')?.value === true
  const pins = new Map<string, RegistryKeysPin>(Object.entries(options.registryKeysPins ?? {}).map(([url, file]) => [normalizeRegistry(url), { file, from: '--registry-keys' }]))
  if (options.registryKeysFile) pins.set(DEFAULT_REGISTRY, { file: options.registryKeysFile, from: '--registry-keys' })
  // Every key file named on the command line is read now, even for a registry no package comes from:
  // an unusable file is a usage error (exit 2), never silently ignored.
  for (const pin of pins.values()) loadRegistryKeysFile(pin.file)
  // Behind a mirror (docs/mirrors.md), a package is checked with its upstream's keys: those are the keys looked up.
  const upstreamFor = (ref: PackageRef, registry: string): string | undefined => config.upstreamFor(ref.name, registry)?.url
  const registryRefs = tree.packages.filter((p) => p.source === 'registry')
  // Each registry package's own registry and its upstream (if any), worked out once per package.
  const registries = new Set<string>()
  const upstreams = new Set<string>()
  const ownRegistries = new Set<string>()
  for (const ref of registryRefs) {
    const own = normalizeRegistry(ref.registry ?? config.registryFor(ref.name))
    const upstreamURL = upstreamFor(ref, own)
    const upstream = upstreamURL === undefined ? undefined : normalizeRegistry(upstreamURL)
    registries.add(upstream ?? own)
    if (upstream !== undefined) upstreams.add(upstream)
    ownRegistries.add(own)
  }
  // An upstream no package comes from directly is asked for its keys without credentials, as for its evidence.
  const anonymous = new Set([...registries].filter((r) => !ownRegistries.has(r)))
  const npmjsUnpinned = [...registries].some((r) => registryNerfDart(r) === registryNerfDart(DEFAULT_REGISTRY) && !registryKeysPin(r, pins, config))
  const trust = await resolveTrust({ offline, trustedRootFile, registryKeysWanted: npmjsUnpinned, tuf }, tufSession.fetchTargets)
  if (trustedRootFile) await checkTrustedRootFile(trustedRootFile, trust, store)
  const keyOptions = {
    config,
    anonymous,
    ...(options.timeoutMs !== undefined && { timeoutMs: options.timeoutMs }),
    ...(options.retries !== undefined && { retries: options.retries }),
  }
  const keysMemo = store?.keysMemo()
  const fetchedKeys = await fetchKeysForRegistries(registries, { ...keyOptions, trust, pins, offline, ...(keysMemo && { memo: keysMemo }), ...(!offline && { tuf, fetchTargets: tufSession.fetchTargets }) })
  const registryKeys = new Map([...fetchedKeys].map(([registry, keys]) => [registry, upstreams.has(registry) ? upstreamKeys(registry, keys, config) : keys]))
  const keysNotices = [...registryKeys].flatMap(([registry, keys]) => (keys.state === 'fetched' && (keys.kind ?? 'registry') === 'registry' && keys.keys ? [selfServedKeysNotice(config.redact(registry))] : []))
  // A version signed by a registry that said it has no keys: ask once more per registry (fetchEvidence fails the package either way).
  const rechecks = new Map<string, Promise<RegistryKeysResult>>()
  const recheckKeys = (registry: string): Promise<RegistryKeysResult> => {
    let again = rechecks.get(registry)
    if (!again) rechecks.set(registry, (again = fetchSelfServedKeys(registry, keyOptions)))
    return again
  }

  // 3–4. Evidence for each distinct package (fetched or from the evidence cache; with --fetch-tarballs
  //      the bytes of entries whose lockfile integrity is weaker than sha512, never offline: those stay
  //      INTEGRITY_WEAK), each verified as soon as it arrives (check-pipeline.ts), with one trust
  //      context per registry, built once. None for a package whose verified facts the sealed memo
  //      holds (fetch/store).
  const cache = cacheDir ? new EvidenceCache({ dir: cacheDir }) : undefined
  const memo = store?.factsMemo(trust.trustedRoot, registryKeys, upstreamFor)
  // What each package's rule asks of its trust over time (docs/continuity.md): its history is read
  // from its packument when continuity or a release age is checked; none is fetched when both are off.
  // `packument`: the history (from `since`) to read, when wanted at all.
  const wantedById = new Map<string, TrustWanted & { packument?: { since?: string } }>()
  const trustWanted = (ref: PackageRef): TrustWanted & { packument?: { since?: string } } => {
    const id = `${ref.name}@${ref.version}`
    let wanted = wantedById.get(id)
    if (!wanted) {
      const settings = continuitySettings(policy, ref.name, ref.version)
      const history = wantsHistory(settings)
      const packument = history || settings.minimumReleaseAge !== undefined ? { ...(settings.since !== undefined && { since: settings.since }) } : undefined
      wanted = { history, downgrade: settings.downgrade !== 'off', identity: settings.identity !== 'off', ...(packument && { packument }) }
      wantedById.set(id, wanted)
    }
    return wanted
  }
  const historyFor = (ref: PackageRef): { since?: string } | undefined => trustWanted(ref).packument
  const remembered = memo?.recall(tree.packages)
  // Facts remembered by a run that did not want the history this one wants (or from another `since`)
  // are verified again; offline, used without that history (HISTORY_UNAVAILABLE): a history read from
  // a later `since` lacks versions this policy counts, and would read as "nothing above it".
  if (remembered) {
    for (const ref of registryRefs) {
      const wanted = historyFor(ref)
      const entry = remembered.get(evidenceKey(ref))
      if (!entry || !wanted || historyAsWanted(entry.history, wanted)) continue
      if (!offline) remembered.delete(evidenceKey(ref))
      else remembered.set(evidenceKey(ref), { ...entry, history: otherSince(entry.history) })
    }
  }
  // The verifier's trust contexts (and @sigstore/*) are loaded only when some package is to be verified.
  let createTrustContext = registryRefs.every((ref) => remembered?.has(evidenceKey(ref))) ? undefined : (await import('./verify/trust-context.js')).createTrustContext
  const contexts = new Map<string, TrustContext>()
  // What a registry's trust context is built from: here, once per registry, and in each verify worker (check-pipeline.ts).
  const trustInputFor = (registry: string): TrustInput => {
    const keys = registryKeys.get(registry)
    return { trustedRoot: trust.trustedRoot, trustedRootSource: trust.trustedRootSource, registryKeys: keys?.state === 'fetched' ? keys.keys : null }
  }
  const contextFor = (registry: string): TrustContext => {
    let ctx = contexts.get(registry)
    if (!ctx) {
      if (!createTrustContext) throw new Error(`no package of ${registry} was to be verified`)
      ctx = createTrustContext(trustInputFor(registry))
      contexts.set(registry, ctx)
    }
    return ctx
  }
  const requestOptions = {
    config,
    ...(options.timeoutMs !== undefined && { timeoutMs: options.timeoutMs }),
    ...(options.retries !== undefined && { retries: options.retries }),
  }
  // Each package verified is sealed in the memo; an earlier version verified for a history as settled (kept for good).
  const remembering = (settled: boolean) => memo && ((ref: PackageRef, fetched: EvidenceOutcome, outcome: PackageOutcome) => outcome.kind === 'verified' && memo.remember(ref, fetched, outcome.facts, settled))
  const onVerified = remembering(false)
  const fetchOptions = { ...requestOptions, registryKeys, upstreamFor, ...(cache && { cache }), offline, recheckKeys, ...(concurrency !== undefined && { concurrency }) }
  const { verified, trusts } = await (async () => {
    const verified = await fetchAndVerify(tree.packages, {
      ...(memo && { remembered, onVerified }),
      fetch: { ...fetchOptions, historyFor },
      ...(fetchTarballs && !offline && { tarballs: requestOptions }),
      contextFor,
      trustInputFor,
      ...(options.onProgress && { onProgress: options.onProgress }),
    })
    // 4b. Trust over time: each package's level and publish time, and the earlier versions its history
    //     claims more of, fetched and verified like any package (one more pass, same cache and memo).
    const trusts = await gatherTrust(tree.packages, verified, {
      wantedFor: trustWanted,
      verifyCandidates: async (refs, known) => {
        // Earlier versions: their verdicts are settled for good (published versions are immutable).
        const recalled = memo?.recall(refs, true)
        if (!createTrustContext && refs.some((ref) => !recalled?.has(evidenceKey(ref)))) createTrustContext = (await import('./verify/trust-context.js')).createTrustContext
        const fetch = { ...fetchOptions, knownVersion: (ref: PackageRef) => known.get(evidenceKey(ref)) }
        return fetchAndVerify(refs, { ...(memo && { remembered: recalled, onVerified: remembering(true) }), fetch, contextFor, trustInputFor })
      },
    })
    return { verified, trusts }
  })().finally(() => cache?.close())
  store?.save()
  // 4a. Install scripts: the lockfile's flag raised by what the registry says (and bundled packages,
  //     whose scripts are unknown); which npm installs is asked only when some package has them.
  const packages = tree.packages.map((ref) => withUnflaggedInstallScript(ref, verified.get(evidenceKey(ref))?.installScripts === true))
  const scripts = packages.some((p) => p.installScript) ? await installScriptContext(options, projectDir, tree, scriptConfig.settings) : undefined
  const run: RunPackage[] = packages.map((ref) => {
    const trust = ref.source === 'registry' ? trusts.get(evidenceKey(ref)) : undefined
    return { ref, outcome: outcomeOf(ref, verified), ...(trust && { trust }) }
  })
  await addTrustBaselines(run, trustLockfile)
  const settings: RunSetting[] = [
    ...(options.at !== undefined ? [{ key: 'at', value: options.at, from: '--at' }] : []),
    ...(omit ? [{ key: 'omit', ...omit }] : []),
    ...(workspaces ? [{ key: 'workspace', ...workspaces }] : []),
    ...(includeRoot ? [{ key: 'include-workspace-root', ...includeRoot }] : []),
    ...(offline ? [{ key: 'offline', ...config.offline }] : []),
    ...[...own].map(([key, setting]) => ({ key, ...setting })),
    ...config.scopedUpstreams(),
  ]
  const scriptNotices = scripts ? [`install scripts: ${scripts.reason}`, ...scripts.allowScripts.ignored] : tree.allowScripts.ignored
  const registryInfo = registriesOf(tree.packages, config, registryKeys)
  return { projectDir, settings, policy, policyFile, tree, run, notices: [...(store?.notices ?? []), ...ignoredLockfileNotices(tree), ...trust.notices, ...keysNotices, ...config.warnings, ...scriptNotices], registryKeys, registryInfo, redact: config.redactor, ...(scripts && { scripts }), trustLockfile }
}

/** The tree stage, loaded only when the tree memo (fetch/store) does not hold the project's tree. */
async function loadPackages(options: LoadPackagesOptions): Promise<TreeResult> {
  return (await import('./tree/index.js')).loadPackages(options)
}

/**
 * Each registry the packages come from (in the order they first appear), with the keys its packages
 * are checked with: its own, or, behind a mirror, its upstream's (named by its first package).
 */
function registriesOf(packages: readonly PackageRef[], config: NpmConfig, registryKeys: ReadonlyMap<string, RegistryKeysResult>): Map<string, RegistryInfo> {
  const info = new Map<string, RegistryInfo>()
  for (const ref of packages) {
    if (ref.source !== 'registry') continue
    const registry = normalizeRegistry(ref.registry ?? config.registryFor(ref.name))
    if (info.has(registry)) continue
    const upstream = config.upstreamFor(ref.name, registry)?.url
    const keys = registryKeys.get(normalizeRegistry(upstream ?? registry))
    info.set(registry, { ...(keys ? keysInfo(keys) : { keysSource: 'unavailable', keysFrom: null }), ...(upstream !== undefined && { upstream }) })
  }
  return info
}

/** One notice per lockfile the project has but the check did not read. */
function ignoredLockfileNotices(tree: TreeResult): string[] {
  return (tree.ignoredLockfiles ?? []).map((file) => `${file} was not read: the check read ${tree.lockfile} (npm's lockfile wins over pnpm's and yarn's; --lockfile chooses)`)
}

/** The run's install-script context: the npm that will install (`npm --version`, lowered by what else names an npm), its settings and allowScripts. */
async function installScriptContext(options: CheckOptions, projectDir: string, tree: TreeResult, settings: InstallScriptContext['settings']): Promise<InstallScriptContext> {
  // Loaded here, when some package has install scripts: they and semver are not loaded otherwise.
  const [{ askNpmVersion }, { chooseNpmRules }] = await Promise.all([import('./gate/npm.js'), import('./policy/npm-rules.js')])
  const npm = await askNpmVersion(options.env, projectDir)
  const userAgent = options.env.npm_config_user_agent
  const choice = chooseNpmRules({ npm, ...(userAgent !== undefined && { userAgent }), declared: tree.declared })
  return { ...choice, settings, allowScripts: tree.allowScripts }
}

/** The main job: gather, 5. decide with the policy, and build the Report. */
export async function runCheck(options: CheckOptions): Promise<Report> {
  const { projectDir, settings, policy, policyFile, tree, run, notices, registryInfo, redact, scripts } = await gatherRun(options)
  const evaluation = evaluateRun(policy, run, options.now ?? new Date(), scripts)
  const results: PackageResult[] = [...evaluation.packages, ...installedMismatches(tree)]
  results.sort((a, b) => compareText(a.name, b.name) || compareText(a.version, b.version))

  const summary = { total: results.length, pass: 0, warn: 0, fail: 0, skipped: 0 }
  for (const r of results) summary[r.decision]++
  // A registry without keys is not a pass: its unverified packages, decided by the built-in default
  // policy (or a rule that copies its `severity: { SIGNATURE_UNSUPPORTED_BY_REGISTRY: warning }`),
  // make the run "could not verify" (exit 3); a policy rule can accept them.
  // Signatures its registry publishes no keys for (a mirror that keeps npm's signatures): the registry's banner counts them.
  const signedWithoutKeys = new Set(run.flatMap(({ ref, outcome }) => (outcome.kind === 'fetch-failed' && outcome.signedWithoutKeys ? [evidenceKey(ref)] : [])))
  const registries = summarizeRegistries(results, registryInfo, (p) => evaluation.keylessRegistryUnaccepted.has(p), signedWithoutKeys.size > 0 ? (p) => signedWithoutKeys.has(evidenceKey(p)) : undefined)
  const couldNotVerify = results.some((r) => r.findings.some((f) => f.code === 'FETCH_FAILED')) || registries.some((r) => r.couldNotVerify)
  // No credential reaches the report model, whatever field it came in by (lockfile, .npmrc, a reason).
  return redactStrings<Report>({
    schemaVersion: 1,
    tool: { name: 'verify-deps', version: options.toolVersion },
    // A memoized tree (fetch/store) is always an npm one.
    project: { root: projectDir, lockfile: tree.lockfile ?? '', lockfileFormat: tree.lockfileFormat ?? 'npm', policy: policyFile, settings },
    summary,
    packages: results,
    couldNotVerify,
    notices: [...notices, ...evaluation.notices, ...evaluation.unusedExceptions.map((u) => `policy: ${u.message}`)],
    registries,
    ...(scripts && { installScripts: scripts }),
  }, redact)
}

/** verify-deps' own npm config keys that are set (a project .npmrc only for those it may set), with where each came from. */
function ownSettings(config: NpmConfig): Map<OwnKey, { value: string | number | boolean; from: string }> {
  const settings = new Map<OwnKey, { value: string | number | boolean; from: string }>()
  for (const key of Object.keys(OWN_KEYS) as OwnKey[]) {
    const setting = config.own(key)
    if (setting) settings.set(key, setting)
  }
  return settings
}

function stringSetting(setting: { value: unknown } | undefined): string | undefined {
  return typeof setting?.value === 'string' ? setting.value : undefined
}

function numberSetting(setting: { value: unknown } | undefined): number | undefined {
  return typeof setting?.value === 'number' && Number.isInteger(setting.value) && setting.value >= 1 ? setting.value : undefined
}

/** `--installed`: a package on disk that is not what the lockfile says fails, at its location. */
function installedMismatches(tree: TreeResult): PackageResult[] {
  return tree.mismatches.map((m) => {
    const seen = m.installed ?? m.lockfile ?? { name: m.path, version: '' }
    const what = !m.installed
      ? `the lockfile lists ${m.lockfile?.name}@${m.lockfile?.version} at ${m.path} but it is not installed`
      : !m.lockfile
        ? `${m.installed.name}@${m.installed.version} is installed at ${m.path} but the lockfile does not list it`
        : `${m.path} holds ${m.installed.name}@${m.installed.version} but the lockfile says ${m.lockfile.name}@${m.lockfile.version}`
    const f = finding('INSTALLED_MISMATCH', what)
    const decided = [{ code: f.code, severity: FINDINGS[f.code].defaultSeverity, message: f.message }]
    return {
      name: seen.name,
      version: seen.version,
      source: 'registry' as const,
      locations: [{ path: m.path, why: [], dev: false, optional: false, peer: false }],
      decision: decisionOf(decided),
      findings: decided,
      rule: 'installed tree',
    }
  })
}
