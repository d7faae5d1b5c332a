/**
 * Turns tree nodes into the distinct packages to verify: one PackageRef per
 * name@version + integrity (and source), carrying every location it is installed at. npm checks
 * each installed copy; the bytes are the same, so we verify once and report all locations.
 */
import type { PackageLocation, PackageRef } from '../model.js'
import { installScriptOf, mergeInstallScripts, type AllowScriptsPolicy } from './allow-scripts.js'
import type { ArboristNode } from './arborist.js'
import { checkBinding, type ResolvedRewrite } from './binding.js'
import { classifyNode, nodeLabel } from './source.js'
import type { Walk } from './walk.js'

export interface CollectContext {
  projectDir: string
  walk: Walk
  omit: ReadonlySet<string>
  registryFor: (name: string) => string
  /** How npm rewrites `resolved` before fetching it (`registry`, `replace-registry-host`). */
  rewrite: ResolvedRewrite
  /** Called for a registry package without a version: the input is broken, not the package. */
  invalid: (node: ArboristNode, detail: string) => Error
  /** npm's allowScripts policy for the project (allow-scripts.ts), or null when it has none. */
  allowScripts?: AllowScriptsPolicy | null
  /** Whether npm's install-script rules apply (default true); false for a pnpm or yarn tree. */
  installScripts?: boolean
}

/** Nodes that are the project's own code or stand for another node, never packages to verify. */
export function isPackageNode(node: ArboristNode): boolean {
  if (node.isProjectRoot || node.isWorkspace) return false
  // A link target outside any node_modules (file:../lib, a workspace folder) is reported through
  // the link that points at it.
  if (!node.isLink && node.parent === null && node.linksIn.size > 0) return false
  return true
}

export function collectPackages(nodes: Iterable<ArboristNode>, context: CollectContext): PackageRef[] {
  const omit = new Set(context.omit)
  const byKey = new Map<string, PackageRef>()
  for (const node of nodes) {
    if (!isPackageNode(node) || node.shouldOmit(omit)) continue
    const target = node.isLink ? (node.target ?? node) : node
    const name = target.packageName ?? node.name
    const version = target.version
    const classified = classifyNode(node, context.projectDir)
    const { source, sourceDetail, resolved, bundler } = classified
    if (source === 'registry' && !version) throw context.invalid(node, 'has no version')
    const integrity = node.integrity ?? undefined
    const registry = source === 'registry' ? withTrailingSlash(context.registryFor(name)) : undefined
    const findings = checkBinding(node, classified, name, { ...(registry !== undefined && { registry }), rewrite: context.rewrite })

    // Same bytes ⇔ same integrity. Without one (links, git), `resolved` tells copies apart; a
    // bundled copy is vouched for by its bundler, so each bundler gets its own entry.
    const identity = bundler ? `${nodeLabel(bundler)}\0${integrity ?? ''}` : (integrity ?? resolved ?? '')
    const key = `${source}\0${name}@${version}\0${identity}`
    let ref = byKey.get(key)
    if (!ref) {
      ref = {
        name,
        version,
        ...(integrity !== undefined && { integrity }),
        ...(resolved !== undefined && { resolved }),
        ...(registry !== undefined && { registry }),
        source,
        ...(sourceDetail !== undefined && { sourceDetail }),
        locations: [],
      }
      byKey.set(key, ref)
    }
    ref.locations.push(locationOf(node, name, context.walk))
    if (context.installScripts !== false) {
      const installScript = mergeInstallScripts(ref.installScript, installScriptOf(node, context.allowScripts ?? null))
      if (installScript) ref.installScript = installScript
      const unflagged = mergeInstallScripts(ref.unflaggedInstallScript, installScriptOf(node, context.allowScripts ?? null, false))
      if (unflagged) ref.unflaggedInstallScript = unflagged
    }
    for (const f of findings) {
      ref.lockfileFindings ??= []
      if (!ref.lockfileFindings.some((known) => known.code === f.code && known.message === f.message)) ref.lockfileFindings.push(f)
    }
  }

  const refs = [...byKey.values()]
  for (const ref of refs) ref.locations.sort((a, b) => compare(a.path, b.path))
  return refs.sort((a, b) => compare(a.name, b.name) || compare(a.version, b.version) || compare(a.source, b.source) || compare(a.locations[0]?.path ?? '', b.locations[0]?.path ?? ''))
}

function locationOf(node: ArboristNode, name: string, walk: Walk): PackageLocation {
  const location: PackageLocation = {
    path: node.location,
    why: [...walk.why(node)],
    dev: node.dev,
    optional: node.optional,
    peer: node.peer,
  }
  const workspace = walk.workspace(node)
  if (workspace !== undefined) location.workspace = workspace
  if (node.name !== name) location.alias = node.name
  if (!walk.reached(node)) location.extraneous = true
  return location
}

function withTrailingSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
