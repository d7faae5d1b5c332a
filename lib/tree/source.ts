/**
 * Where a node's bytes come from. Only `registry` packages have registry signatures and provenance
 * to check; every other source is still reported (with why) so nothing silently drops out.
 * The lockfile's `resolved` says where the bytes were fetched; the dependents' specs (edgesIn)
 * say why: a registry tarball URL reached through a plain tarball-URL spec is `remote`, not
 * `registry`, because npm never consulted the registry's metadata for it.
 */
import { relative } from 'node:path'
import type { PackageSource } from '../model.js'
import type { ArboristNode } from './arborist.js'
import { mayBeBundled } from './bundler.js'

export interface NodeSource {
  source: PackageSource
  sourceDetail?: string
  /** `resolved` as the lockfile records it: `file:` paths relative to the project. */
  resolved?: string
  /** For `bundled`: the dependency whose tarball ships it. */
  bundler?: ArboristNode
}

type SpecKind = 'registry' | 'git' | 'remote' | 'file'

const DETAIL: Record<Exclude<SpecKind, 'registry'>, string> = {
  git: 'installed from a git repository, not from a registry',
  remote: 'installed from a tarball URL, not from a registry',
  file: 'installed from a local file, not from a registry',
}

/** What kind of dependency spec this is (the parts of npm-package-arg's answer we need). */
export function specKind(spec: string): SpecKind {
  if (/^npm:/i.test(spec)) return 'registry'
  if (/^(git\+[a-z]+:|git:|github:|gitlab:|bitbucket:|gist:)/i.test(spec)) return 'git'
  if (/^https?:\/\//i.test(spec)) return 'remote'
  if (/^(file:|link:|\.\.?(\/|\\|$)|~\/|\/)/i.test(spec) || /\.(tgz|tar\.gz|tar)$/i.test(spec)) return 'file'
  // GitHub shorthand `user/repo` or `user/repo#ref`.
  if (/^[^@/\s:#]+\/[^/\s:#]+(#.*)?$/.test(spec)) return 'git'
  // A version, range, dist-tag or `*`.
  return 'registry'
}

export function nodeLabel(node: ArboristNode): string {
  const name = node.packageName ?? node.name
  return node.version ? `${name}@${node.version}` : name
}

export function classifyNode(node: ArboristNode, projectDir: string): NodeSource {
  if (node.isLink) {
    const target = relativePath(projectDir, node.target?.path ?? node.realpath)
    return { source: 'link', sourceDetail: `symlink to ${target}`, resolved: `file:${target}` }
  }
  const bundler = findDepBundler(node)
  if (bundler) {
    return { source: 'bundled', sourceDetail: `bundled in ${nodeLabel(bundler)}: covered by that package's tarball`, bundler }
  }

  const resolved = node.resolved ?? undefined
  if (resolved !== undefined && /^git[+:]/i.test(resolved)) {
    return { source: 'git', sourceDetail: DETAIL.git, resolved }
  }
  if (resolved !== undefined && /^file:/i.test(resolved)) {
    // arborist makes file: paths absolute; report them as the lockfile writes them.
    return { source: 'file', sourceDetail: DETAIL.file, resolved: `file:${relativePath(projectDir, resolved.slice('file:'.length))}` }
  }

  const kind = edgeKind(node) ?? (resolved !== undefined && /^https?:/i.test(resolved) && !isRegistryTarballUrl(resolved, node) ? 'remote' : 'registry')
  if (kind === 'registry') return resolved === undefined ? { source: 'registry' } : { source: 'registry', resolved }
  return resolved === undefined ? { source: kind, sourceDetail: DETAIL[kind] } : { source: kind, sourceDetail: DETAIL[kind], resolved }
}

/**
 * The dependency (never the root project) whose tarball ships this node: arborist's `inDepBundle`
 * and `getBundler()`, but only asked where an answer is possible (bundler.ts): the bundler is always
 * an ancestor with a bundleDependencies list, so a node with none above it is not bundled.
 */
export function findDepBundler(node: ArboristNode): ArboristNode | null {
  if (!mayBeBundled(node)) return null
  const bundler = node.getBundler()
  return bundler && !bundler.isRoot ? bundler : null
}

/**
 * The kind of the specs that bring the node in: `registry` when all are registry specs, else the
 * first other kind; undefined when nothing depends on it (an extraneous lockfile entry).
 */
function edgeKind(node: ArboristNode): SpecKind | undefined {
  let kind: SpecKind | undefined
  for (const edge of node.edgesIn) {
    const k = specKind(edge.spec)
    if (k !== 'registry') return k
    kind = 'registry'
  }
  return kind
}

/** `<registry>/<name>/-/<basename>-<version>.tgz`, the layout every npm registry serves tarballs at. */
function isRegistryTarballUrl(url: string, node: ArboristNode): boolean {
  const name = node.packageName ?? node.name
  const basename = name.replace(/^@[^/]+\//, '')
  try {
    return new URL(url).pathname.endsWith(`/${name}/-/${basename}-${node.version}.tgz`)
  } catch {
    return false
  }
}

function relativePath(from: string, to: string): string {
  return relative(from, to).replace(/\\/g, '/') || '.'
}
