/**
 * Whether a lockfile node is bound to what its dependents ask for and to the registry its evidence
 * comes from. The lockfile arrives in pull requests: every field read here is attacker-controlled,
 * and `npm ci` installs what it says without asking the registry's metadata again. Three ways an
 * edited lockfile can make npm install something other than what is verified:
 *
 * - SOURCE_MISMATCH: the dependents ask for a registry version, but the node is a git checkout, a
 *   `file:` tarball, a folder or a link. A non-registry source someone *declared* (a `github:`,
 *   `file:` or workspace spec on any edge into the node) keeps its UNVERIFIABLE_SOURCE handling:
 *   npm dedupes a registry range onto a declared git or file copy of a satisfying version.
 * - NAME_MISMATCH: a registry node whose package name is not the name it is installed under,
 *   unless the edge is an `npm:` alias to exactly that name. Arborist's own check (dep-valid.js)
 *   compares only versions, so it accepts `"a": "^1"` installed as `evil@1.0.0`.
 * - RESOLVED_ORIGIN_MISMATCH: `npm ci` fetches the tarball from `resolved` (pacote's RemoteFetcher
 *   for `name@<resolved>`), after arborist's replace-registry-host rewrite (reify.js
 *   #registryResolved): a `resolved` whose hostname is `replace-registry-host` (default `npmjs`,
 *   i.e. registry.npmjs.org; `always` for any host; `never` for none) is fetched from the *default*
 *   `registry`, scheme, host and port, keeping its path. Any other `resolved` is fetched as written.
 *   When that origin (and the registry's path prefix, as arborist's #isRegistryResolvedTarball
 *   requires) is not the registry the package is verified against, the bytes come from somewhere
 *   whose evidence was not checked.
 * Pure over the node.
 */
import { finding, type Finding } from '../findings.js'
import type { ArboristEdge, ArboristNode } from './arborist.js'
import { nodeLabel, specKind, type NodeSource } from './source.js'

/** How npm rewrites `resolved` before fetching (npm's `registry` and `replace-registry-host`). */
export interface ResolvedRewrite {
  /** The default registry (`registry`), which a rewritten `resolved` points at. */
  registry: string
  /** `replace-registry-host`: `npmjs` (default), `never`, `always`, a hostname or a URL prefix. */
  replaceRegistryHost?: string
  /** The package manager that fetches it, for messages (default `npm`). */
  installer?: string
}

export interface BindingContext {
  /** For a registry package: the registry its evidence is fetched from (`@scope:registry` or `registry`). */
  registry?: string
  rewrite: ResolvedRewrite
}

export function checkBinding(node: ArboristNode, classified: NodeSource, name: string, context: BindingContext): Finding[] {
  if (classified.source === 'bundled') return []
  const findings: Finding[] = []
  const at = `${nodeLabel(node.isLink ? (node.target ?? node) : node)} at ${node.location}`

  const mismatch = undeclaredSource(node, classified)
  if (mismatch) {
    findings.push(
      finding(
        'SOURCE_MISMATCH',
        `${at}: ${dependent(mismatch)} asks for ${JSON.stringify(mismatch.name)}: ${JSON.stringify(mismatch.spec)} from the registry, but the lockfile installs it from ${describeSource(classified)}`,
      ),
    )
  }
  if (classified.source !== 'registry') return findings

  for (const edge of node.edgesIn) {
    const expected = expectedName(edge)
    if (expected !== name) {
      findings.push(
        finding('NAME_MISMATCH', `${at}: ${dependent(edge)} asks for ${JSON.stringify(edge.name)}: ${JSON.stringify(edge.spec)}, which is ${JSON.stringify(expected)}, but the lockfile entry is the package ${JSON.stringify(name)}`),
      )
      break
    }
  }
  if (node.edgesIn.size === 0 && node.name !== name) {
    findings.push(finding('NAME_MISMATCH', `${at}: installed as ${JSON.stringify(node.name)}, but the lockfile entry is the package ${JSON.stringify(name)} and no npm: alias asks for it`))
  }

  const resolved = node.resolved
  if (resolved && context.registry) {
    const problem = originProblem(resolved, context.registry, context.rewrite, context.rewrite.installer ?? 'npm')
    if (problem) findings.push(finding('RESOLVED_ORIGIN_MISMATCH', `${at}: ${problem}`))
  }
  return findings
}

/**
 * The first registry edge into a non-registry node whose source no trustworthy edge declares, or
 * undefined. Only a manifest a reviewer sees declares a source: package.json of the project or of a
 * workspace, or the package.json of a dependent that is itself not from a registry (a git, file or
 * link package, read from its own files). A registry package's lockfile entry lists its
 * dependencies unsigned and unchecked, so a git, `file:` or tarball-URL spec written there by a
 * pull request excuses nothing.
 */
function undeclaredSource(node: ArboristNode, classified: NodeSource): ArboristEdge | undefined {
  const declaredKind =
    classified.source === 'git' ? 'git' : classified.source === 'file' || classified.source === 'link' ? 'file' : classified.source === 'remote' ? 'remote' : undefined
  if (!declaredKind) return undefined
  let registryEdge: ArboristEdge | undefined
  for (const edge of node.edgesIn) {
    if (edge.type === 'workspace') return undefined
    const kind = specKind(edge.spec)
    if (kind === declaredKind && declaresFromOwnManifest(edge.from)) return undefined
    if (kind === 'registry') registryEdge ??= edge
  }
  return registryEdge
}

/** Whether the dependent's dependency specs come from a package.json of its own rather than a registry package's lockfile entry. */
function declaresFromOwnManifest(from: ArboristNode | null): boolean {
  if (!from) return false
  if (from.isProjectRoot || from.isWorkspace || from.isLink) return true
  const resolved = from.resolved ?? ''
  if (/^(git[+:]|file:)/i.test(resolved)) return true
  // A dependent reached through a link (a `file:` folder or a workspace folder) reads its own package.json.
  return [...from.linksIn].length > 0
}

/** The package name an edge asks for: the alias's target for `npm:name@range`, else the edge's name. */
export function expectedName(edge: ArboristEdge): string {
  const alias = /^npm:(.*)$/i.exec(edge.spec.trim())
  if (!alias) return edge.name
  const spec = alias[1]!
  const at = spec.indexOf('@', spec.startsWith('@') ? 1 : 0)
  return at === -1 ? spec : spec.slice(0, at)
}

function dependent(edge: ArboristEdge): string {
  const from = edge.from
  if (!from) return 'a dependent'
  if (from.isProjectRoot) return 'package.json'
  if (from.isWorkspace) return `the workspace ${from.packageName ?? from.name} (${from.location}/package.json)`
  return `${nodeLabel(from)} (lockfile entry ${JSON.stringify(from.location)})`
}

function describeSource(classified: NodeSource): string {
  const where = classified.resolved ? ` (${classified.resolved})` : ''
  switch (classified.source) {
    case 'git':
      return `git${where}`
    case 'file':
      return `a local file${where}`
    case 'link':
      return `a link to a folder${where}`
    default:
      return `${classified.source}${where}`
  }
}

/** Where `npm ci` fetches `resolved` from, after arborist's replace-registry-host rewrite (reify.js #registryResolved). */
export function effectiveFetchUrl(resolved: string, rewrite: ResolvedRewrite): URL | undefined {
  let url: URL
  try {
    url = new URL(resolved)
  } catch {
    return undefined
  }
  const replace = !rewrite.replaceRegistryHost || rewrite.replaceRegistryHost === 'npmjs' ? 'registry.npmjs.org' : rewrite.replaceRegistryHost
  if (replace === 'never') return url
  let match: URL | undefined
  try {
    match = new URL(replace)
  } catch {
    match = undefined
  }
  const matchPath = match ? match.pathname.replace(/\/$/, '') : undefined
  const hasPrefix = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}/`)
  const hostMatches = replace === 'always' || (match ? match.hostname : replace) === url.hostname
  if (!hostMatches || (matchPath && !hasPrefix(url.pathname, matchPath))) return url

  const registry = new URL(rewrite.registry)
  const registryPath = registry.pathname.replace(/\/$/, '')
  const rewritten = new URL(url.href)
  rewritten.protocol = registry.protocol
  rewritten.hostname = registry.hostname
  rewritten.port = registry.port
  if (matchPath) rewritten.pathname = registryPath + url.pathname.slice(matchPath.length)
  else if (registryPath && !hasPrefix(url.pathname, registryPath)) rewritten.pathname = registryPath + url.pathname
  return rewritten
}

function originProblem(resolved: string, registryUrl: string, rewrite: ResolvedRewrite, installer: string): string | undefined {
  const registry = new URL(registryUrl)
  const fetched = effectiveFetchUrl(resolved, rewrite)
  if (!fetched) return `"resolved" is not a URL, but the package is verified against ${redact(registry)}`
  if (fetched.protocol !== 'https:' && fetched.protocol !== 'http:') {
    return `${installer} would fetch it from ${redact(fetched)}, which is not a registry URL; it is verified against ${redact(registry)}`
  }
  const registryPath = registry.pathname.replace(/\/?$/, '/')
  const rewrittenNote = fetched.href === new URL(resolved).href ? '' : ` (its "resolved" ${redact(new URL(resolved))}, rewritten by replace-registry-host)`
  if (fetched.origin !== registry.origin) {
    return `${installer} would fetch the tarball from ${fetched.origin}${rewrittenNote}, but the package is verified against ${redact(registry)}`
  }
  if (registryPath !== '/' && !fetched.pathname.startsWith(registryPath)) {
    return `${installer} would fetch the tarball from ${fetched.origin}${fetched.pathname}${rewrittenNote}, outside the registry ${redact(registry)}`
  }
  return undefined
}

/** A URL without userinfo, query or fragment, for messages (a lockfile URL may carry credentials). */
function redact(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`
}
