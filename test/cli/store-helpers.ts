// Helpers of the sealed store tests (check-store*.test.ts): a mixed world, and the pack on disk as an
// attacker who can write the cache folder sees it.
import { createHmac } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Test } from 'tap'
import { checkScenario, type CheckResult } from '../helpers/check.js'
import { createScenario, type Scenario } from '../helpers/scenario/index.js'
import { cleanEnv } from './run.js'
import { defaultKeyFile, PACK_FILE } from '../../lib/fetch/store/index.js'
import { PACK_FORMAT } from '../../lib/fetch/store/pack.js'

/** An entry of the pack (lib/fetch/store/pack.ts), one line of the file: `kind id storedAt data`. */
export interface PackEntry {
  kind: string
  id: string
  storedAt: string
  data: string
}

export const MIXED = [
  { name: 'good', version: '1.0.0' },
  { name: 'bad-sig', version: '1.0.0', signature: 'invalid' as const },
  { name: 'bad-prov', version: '1.0.0', provenance: 'tampered' as const },
  { name: 'no-prov', version: '1.0.0', provenance: 'missing' as const },
  { name: 'scripted', version: '1.0.0', scripts: { postinstall: 'node x.js' } },
  { name: 'unknown-key', version: '1.0.0', signature: 'unknown-key' as const },
]

export function decisions(r: CheckResult): Record<string, string> {
  return Object.fromEntries((r.json.packages as Array<{ name: string; decision: string }>).map((p) => [p.name, p.decision]))
}

/** The package documents the run asked the registry for (not the keys). */
export function packageRequests(s: Scenario): string[] {
  return s.registry.requests.map((q) => q.path).filter((path) => path !== '/-/npm/v1/keys')
}

export function keyFileOf(s: Scenario): string {
  return defaultKeyFile(cleanEnv(join(s.dir, 'home')))!
}

const HEADER = `verify-deps sealed pack ${PACK_FORMAT}\n`

/** The entries of the pack as an attacker reads them (the key is not needed to read). */
export function readPack(cacheDir: string): PackEntry[] {
  const text = readFileSync(join(cacheDir, PACK_FILE), 'utf8')
  return text
    .slice(HEADER.length, -64)
    .split('\n')
    .slice(0, -1)
    .map((line) => {
      const [kind, id, storedAt] = line.split(' ', 3) as [string, string, string]
      return { kind, id, storedAt, data: line.slice(kind.length + id.length + storedAt.length + 3) }
    })
}

/** The MAC the pack file ends with. */
export function packMac(cacheDir: string): string {
  return readFileSync(join(cacheDir, PACK_FILE), 'latin1').slice(-64)
}

/**
 * Writes `entries` as a pack sealed as lib/fetch/store/pack.ts seals it under `sealWith` when it is a
 * key (what only the key's holder can make), or ending with `sealWith` when it is a MAC (one kept
 * from another pack, as an attacker who edits the file can).
 */
export function writePack(cacheDir: string, entries: PackEntry[], sealWith: Buffer | string): void {
  const body = HEADER + entries.map((e) => `${e.kind} ${e.id} ${e.storedAt} ${e.data}\n`).join('')
  const mac = typeof sealWith === 'string' ? sealWith : createHmac('sha256', sealWith).update(body).digest('hex')
  writeFileSync(join(cacheDir, PACK_FILE), body + mac)
}

/** The pack with every failing package's facts replaced by the good package's (to be sealed by writePack). */
export function forgedPack(entries: PackEntry[], names: string[]): PackEntry[] {
  const good = factsEntryOf(entries, 'good')
  const targets = new Map(names.map((name) => [factsEntryOf(entries, name), name]))
  return entries.map((e) => {
    const name = targets.get(e)
    return name ? { ...e, data: good.data.replaceAll('"good"', JSON.stringify(name)) } : e
  })
}

export function factsEntryOf(entries: PackEntry[], name: string): PackEntry {
  const found = entries.find((e) => e.kind === 'facts' && (JSON.parse(e.data) as { facts: { name: string } }).facts.name === name)
  if (!found) throw new Error(`no facts entry for ${name}`)
  return found
}

export async function mixedScenario(t: Test) {
  const s = await createScenario(t, { packages: MIXED })
  const cacheDir = join(s.dir, 'cache')
  const check = (more: { cacheDir?: string | false } = {}) => checkScenario(s, { trustedRootFile: s.trustedRootFile, cacheDir, ...more })
  return { s, cacheDir, check }
}

