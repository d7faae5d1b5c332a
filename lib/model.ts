/**
 * The plain data the pipeline stages hand each other:
 *   tree → PackageRef[] → fetch → PackageEvidence → verify → PackageFacts → policy → PackageResult → Report
 */

/** Where a package is installed in the project, and the chain of dependents that brings it in. */
export interface PackageLocation {
  /** Location in the tree, e.g. `node_modules/a/node_modules/b` (as in package-lock.json). */
  path: string
  /** root → … → this package, like `npm explain`: each hop as `name@version` (the root as its name or `(root)`). */
  why: string[]
  dev: boolean
  optional: boolean
  peer: boolean
  /** The workspace that depends on it, when it comes in through one. */
  workspace?: string
  /** The name it is installed under, when that differs (an `npm:` alias). */
  alias?: string
}

/** Where a package's bytes come from. Only `registry` packages carry registry evidence. */
export type PackageSource = 'registry' | 'git' | 'file' | 'link' | 'remote' | 'bundled'

/** One distinct package to verify: `name@version` with one integrity, however many places it is installed. */
export interface PackageRef {
  /** The real package name (for an alias, the package it resolves to). */
  name: string
  version: string
  /** Integrity recorded in the lockfile. */
  integrity?: string
  /** `resolved` URL recorded in the lockfile. */
  resolved?: string
  /** The registry the package is fetched from (per `@scope:registry` config), trailing slash. */
  registry?: string
  source: PackageSource
  /** For non-registry sources: why it cannot be verified, or what covers it (e.g. the bundling parent). */
  sourceDetail?: string
  locations: PackageLocation[]
}
