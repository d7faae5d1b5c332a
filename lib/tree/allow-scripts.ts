/**
 * npm's `allowScripts` (npm 11.16+, RFC npm/rfcs#868): which dependencies npm lets run their install
 * scripts. Matched with npm's own matcher (@npmcli/arborist lib/script-allowed.js) on the arborist
 * nodes npm itself builds, so that verify-deps and npm cannot disagree about what an entry matches.
 *
 * The rules, read from the sources of npm 11.19.1 and 12.2.2:
 * - Where the policy comes from (npm lib/utils/resolve-allow-scripts.js): the root package.json's
 *   `allowScripts` object; if it has no usable entry, the `allow-scripts` setting of the .npmrc
 *   files (a comma-separated list of specs, each allowing: @npmcli/config
 *   lib/parse-allow-scripts-list.js). The first layer with a usable entry decides the whole install;
 *   `--allow-scripts` on the command line or in the environment is an error in a project install
 *   (EALLOWSCRIPTS), so it never allows anything there.
 * - Which entries count (same file, validatePolicy): keys npm-package-arg can parse; dist-tags
 *   (`pkg@latest`) and ranges other than exact versions joined by `||` (`pkg@^1`, `pkg@>=1`) are
 *   dropped with a warning; `pkg` and `pkg@*` name every version.
 * - What an entry matches (arborist lib/script-allowed.js): a registry package by the name and
 *   version in the lockfile's `resolved` URL, never by the tarball's own package.json; an `npm:`
 *   alias key matches nothing (name the real package); git by repository and committish prefix;
 *   file and remote sources by `resolved`. Any matching `false` denies (deny wins), else any
 *   matching `true` allows, else the package is unreviewed; values other than true and false do
 *   nothing. A bundled dependency is never allowed or denied.
 * - What npm does with the answer: see lib/policy/install-scripts.ts.
 */
import { createRequire } from 'node:module'
import type { AllowScriptsSource, AllowScriptsVerdict, InstallScriptRef } from '../model/install-scripts.js'
import type { ArboristNode } from './arborist.js'

/** A policy as npm's matcher takes it: spec → value (only `true` and `false` mean anything). */
export type AllowScriptsPolicy = Readonly<Record<string, unknown>>

export interface ResolvedAllowScripts extends AllowScriptsSource {
  /** The entries npm keeps, or null when no layer has one. */
  policy: AllowScriptsPolicy | null
}

interface ParsedSpec {
  type: string
  name: string | null
  fetchSpec: string | null
  rawSpec: string
}

interface ScriptAllowedModule {
  isScriptAllowed(node: unknown, policy: AllowScriptsPolicy | null): boolean | null
  matches(node: unknown, key: string, failClosed: boolean): boolean
  isExactVersionDisjunction(range: string): boolean
  getTrustedRegistryIdentity(node: unknown): { name: string; version: string | null } | null
}

interface NpmModules {
  scriptAllowed: ScriptAllowedModule
  npa: (spec: string) => ParsedSpec
}

let modules: NpmModules | undefined

/** npm's matcher and the npm-package-arg it parses keys with, loaded when a tree has install scripts. */
function npmModules(): NpmModules {
  if (!modules) {
    const require = createRequire(import.meta.url)
    const path = require.resolve('@npmcli/arborist/lib/script-allowed.js')
    const fromArborist = createRequire(path)
    modules = { scriptAllowed: fromArborist(path) as ScriptAllowedModule, npa: fromArborist('npm-package-arg') as (spec: string) => ParsedSpec }
  }
  return modules
}

/**
 * The project's allowScripts policy, with npm's precedence and validation. `packageJson` is the root
 * manifest's `allowScripts` value (attacker-controlled: any JSON); `npmrc` the `allow-scripts` setting
 * from the .npmrc files, if any.
 */
export function resolveAllowScripts(packageJson: { value: unknown; file: string }, npmrc?: { value: unknown; file: string }): ResolvedAllowScripts {
  const ignored: string[] = []
  // npm reads package.json's field only when it is a non-null object (an array too: its indexes are keys).
  const raw = packageJson.value
  if (raw !== undefined && (typeof raw !== 'object' || raw === null)) ignored.push(`${packageJson.file}: "allowScripts" is not an object: npm ignores it`)
  const fromPackage = typeof raw === 'object' && raw !== null ? validate(Object.entries(raw as Record<string, unknown>), `${packageJson.file} allowScripts`, ignored) : null
  if (fromPackage) {
    if (npmrc) ignored.push(`${npmrc.file}: allow-scripts is ignored because package.json declares allowScripts`)
    return { source: 'package.json', file: packageJson.file, policy: fromPackage, ignored }
  }
  const names = npmrc ? parseAllowScriptsList(npmrc.value) : []
  const fromNpmrc = npmrc ? validate(names.map((name) => [name, true]), `${npmrc.file} allow-scripts`, ignored) : null
  if (fromNpmrc && npmrc) return { source: '.npmrc', file: npmrc.file, policy: fromNpmrc, ignored }
  return { source: 'none', policy: null, ignored }
}

/** @npmcli/config lib/parse-allow-scripts-list.js: a string or list of strings, each split at commas and trimmed. */
function parseAllowScriptsList(raw: unknown): string[] {
  const entries = Array.isArray(raw) ? raw : typeof raw === 'string' ? [raw] : []
  return entries.flatMap((entry: unknown) => (typeof entry === 'string' ? entry.split(',').map((p) => p.trim()).filter(Boolean) : []))
}

/** npm's validatePolicy: drops what npm drops, saying why; null when nothing is left. */
function validate(entries: [string, unknown][], label: string, ignored: string[]): AllowScriptsPolicy | null {
  const { npa, scriptAllowed } = npmModules()
  const kept: Record<string, unknown> = {}
  for (const [key, value] of entries) {
    let parsed: ParsedSpec
    try {
      parsed = npa(key)
    } catch {
      ignored.push(`${label}: ${JSON.stringify(key)} cannot be parsed: npm ignores it`)
      continue
    }
    if (parsed.type === 'tag') {
      ignored.push(`${label}: ${JSON.stringify(key)} names a dist-tag: npm ignores it (use exact versions joined by "||", or the bare name)`)
      continue
    }
    if (parsed.type === 'range' && !isNameOnly(parsed) && !scriptAllowed.isExactVersionDisjunction(parsed.fetchSpec ?? '')) {
      ignored.push(`${label}: ${JSON.stringify(key)} is a semver range: npm ignores it (use exact versions joined by "||")`)
      continue
    }
    if (value !== true && value !== false) ignored.push(`${label}: ${JSON.stringify(key)} is ${JSON.stringify(value)}, neither true nor false: it allows and denies nothing`)
    kept[key] = value
  }
  return Object.keys(kept).length > 0 ? kept : null
}

function isNameOnly(parsed: ParsedSpec): boolean {
  return parsed.fetchSpec === '*' || parsed.rawSpec === '' || parsed.rawSpec === '*'
}

const PERMISSIVENESS: Record<AllowScriptsVerdict, number> = { bundled: 0, denied: 1, unreviewed: 2, allowed: 3 }

/**
 * What npm's allowScripts says about a node with install scripts (a Link is decided on its target,
 * as arborist's rebuild does). Undefined when the node has none: arborist's `hasInstallScript` is
 * the lockfile's flag or, for a package.json on disk, its preinstall/install/postinstall. With
 * `flagged` false, the other way round: the verdict for a node without the flag, should it have
 * install scripts after all (the flag is a lower bound, see installScriptsOf).
 */
export function installScriptOf(node: ArboristNode, policy: AllowScriptsPolicy | null, flagged = true): InstallScriptRef | undefined {
  const target = node.isLink ? (node.target ?? node) : node
  if (Boolean(target.hasInstallScript) !== flagged) return undefined
  const { scriptAllowed, npa } = npmModules()
  const answer = scriptAllowed.isScriptAllowed(target, policy)
  const allowScripts: AllowScriptsVerdict = target.inBundle ? 'bundled' : answer === true ? 'allowed' : answer === false ? 'denied' : 'unreviewed'
  const keys = Object.keys(policy ?? {})
  const matched = allowScripts === 'bundled' ? [] : keys.filter((key) => policy![key] === (answer ?? true) && scriptAllowed.matches(target, key, policy![key] === false))
  // Approved for other versions: `true` entries that pin this registry package's name to versions it is not.
  const pinnedElsewhere: string[] = []
  const identity = allowScripts === 'unreviewed' ? scriptAllowed.getTrustedRegistryIdentity(target) : null
  if (identity) {
    for (const key of keys) {
      if (policy![key] !== true) continue
      let parsed: ParsedSpec
      try {
        parsed = npa(key)
      } catch {
        continue
      }
      if (parsed.name === identity.name && (parsed.type === 'version' || (parsed.type === 'range' && !isNameOnly(parsed)))) pinnedElsewhere.push(key)
    }
  }
  return { allowScripts, matched, pinnedElsewhere }
}

/** Two locations of one package: the more permissive verdict decides (npm runs each copy's scripts). */
export function mergeInstallScripts(a: InstallScriptRef | undefined, b: InstallScriptRef | undefined): InstallScriptRef | undefined {
  if (!a || !b) return a ?? b
  const [wide, narrow] = PERMISSIVENESS[a.allowScripts] >= PERMISSIVENESS[b.allowScripts] ? [a, b] : [b, a]
  return {
    allowScripts: wide.allowScripts,
    matched: [...new Set([...wide.matched, ...narrow.matched])],
    pinnedElsewhere: [...new Set([...wide.pinnedElsewhere, ...narrow.pinnedElsewhere])],
  }
}
