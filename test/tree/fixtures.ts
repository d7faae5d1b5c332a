// Shared by the tree tests: fixture paths, copies to mutate, and lookups into a TreeResult.
import { cpSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Test } from 'tap'
import type { PackageRef } from '../../lib/model.js'
import { TreeError, loadPackages, type LoadPackagesOptions, type TreeResult } from '../../lib/tree/index.js'

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/tree')

export const fixture = (name: string): string => join(FIXTURES, name)

/** The registries the fixtures were generated against (see generate-fixtures.ts). */
export const DEFAULT_REGISTRY = 'https://registry.test/'
export const ACME_REGISTRY = 'https://acme.test'

/** registryFor as the CLI would build it from `@acme:registry=https://acme.test` (no trailing slash on purpose). */
export function registryFor(name: string): string {
  return name.startsWith('@acme/') ? ACME_REGISTRY : DEFAULT_REGISTRY
}

/** A fresh copy of a fixture project in the test's own directory, to mutate. */
export function copyFixture(t: Test, name: string): string {
  const dir = t.testdir()
  cpSync(fixture(name), dir, { recursive: true })
  return dir
}

export type LockDocument = { lockfileVersion?: unknown; packages: Record<string, Record<string, unknown>>; [key: string]: unknown }

/** Rewrites `<dir>/package-lock.json` through `edit`. */
export function editLockfile(dir: string, edit: (lock: LockDocument) => void, file = 'package-lock.json'): void {
  const path = join(dir, file)
  const lock = JSON.parse(readFileSync(path, 'utf8')) as LockDocument
  edit(lock)
  writeFileSync(path, JSON.stringify(lock, null, 2))
}

export function refs(result: TreeResult, name: string): PackageRef[] {
  return result.packages.filter((p) => p.name === name)
}

/** The one PackageRef named `name` (fails the lookup loudly when there is not exactly one). */
export function ref(result: TreeResult, name: string): PackageRef {
  const found = refs(result, name)
  if (found.length !== 1) throw new Error(`expected one ${name}, found ${found.length}`)
  return found[0]!
}

export const names = (result: TreeResult): string[] => [...new Set(result.packages.map((p) => p.name))].sort()

/** A copy of a fixture whose `file` (its lockfile) is rewritten by `edit`; an edit that changes nothing is a broken test. */
export function editedFixture(t: Test, name: string, file: string, edit: (text: string) => string): string {
  const dir = copyFixture(t, name)
  const path = join(dir, file)
  const before = readFileSync(path, 'utf8')
  const after = edit(before)
  if (after === before) throw new Error(`the edit changed nothing in ${file}`)
  writeFileSync(path, after)
  return dir
}

/** The TreeError loadPackages fails with (anything else fails the test). */
export async function loadError(options: LoadPackagesOptions): Promise<TreeError> {
  const err = await loadPackages(options).catch((e: unknown) => e)
  if (!(err instanceof TreeError)) throw new Error(`expected a TreeError, got ${String(err)}`)
  return err
}

/** The codes of the lockfile findings on the one package named `name`. */
export const lockfileCodes = (result: TreeResult, name: string): string[] => (ref(result, name).lockfileFindings ?? []).map((f) => f.code)
