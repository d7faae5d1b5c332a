/**
 * Access to the real verification corpus: the repo's own copy in fixtures/corpus, copied unchanged from
 * the steering repo's shared/corpus; fixtures/corpus/MANIFEST.sha256 pins every file (test/corpus).
 * `loadCorpusCases()` validates cases.json so tests can iterate it instead of hard-coding file names.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'

export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url))
export const CORPUS_DIR = join(PROJECT_ROOT, 'fixtures', 'corpus')

export type CorpusKind = 'attestations' | 'structural-bundle' | 'packument' | 'registry-signatures' | 'conformance'

export interface CorpusCase {
  kind: CorpusKind
  id: string
  /** Path relative to CORPUS_DIR. */
  file: string
  expect: 'verify' | 'fail' | 'per-case'
  reason: string
  name?: string
  version?: string
  tarball?: string
  integrity?: string
  /** For attestations: which attestation(s) must fail ("provenance" | "publish"). */
  failing?: string[]
}

const KINDS = new Set<string>(['attestations', 'structural-bundle', 'packument', 'registry-signatures', 'conformance'])

export function corpusPath(relative: string): string {
  return join(CORPUS_DIR, relative)
}

export function readCorpusJSON(relative: string): unknown {
  return JSON.parse(readFileSync(corpusPath(relative), 'utf8'))
}

export function loadCorpusCases(): CorpusCase[] {
  const doc = readCorpusJSON('cases.json') as { schema?: unknown; cases?: unknown }
  if (doc.schema !== 1 || !Array.isArray(doc.cases)) {
    throw new Error(`${corpusPath('cases.json')}: expected {schema: 1, cases: [...]}`)
  }
  return doc.cases.map((raw: unknown, i: number) => {
    const c = raw as Record<string, unknown>
    if (typeof c.kind !== 'string' || !KINDS.has(c.kind) || typeof c.id !== 'string' || typeof c.file !== 'string') {
      throw new Error(`${corpusPath('cases.json')}: case ${i} has no valid kind/id/file`)
    }
    return c as unknown as CorpusCase
  })
}
