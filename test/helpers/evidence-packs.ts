// The evidence cache's packs on disk (lib/fetch/evidence-pack.ts), read and edited line by line, as
// an attacker who can write the cache folder would.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ENTRIES_DIR } from '../../lib/fetch/cache.js'

export interface PackLine {
  /** The pack file, and the line's index in it. */
  file: string
  line: number
  id: string
  storedAt: string
  /** The entry JSON text after the head. */
  text: string
}

/** Every `.pack` file of a cache folder, oldest name first. */
export function packFiles(cacheDir: string): string[] {
  const dir = join(cacheDir, ENTRIES_DIR)
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return []
  }
  return names.filter((n) => n.endsWith('.pack')).sort().map((n) => join(dir, n))
}

/** Every line of every pack. */
export function packLines(cacheDir: string): PackLine[] {
  return packFiles(cacheDir).flatMap((file) =>
    readFileSync(file, 'utf8').split('\n').slice(0, -1).map((raw, line) => ({ file, line, id: raw.slice(0, 64), storedAt: raw.slice(65, 89), text: raw.slice(90) })),
  )
}

/** The newest stored line of each package, by the name its entry says it is about (lines that are not JSON objects are left out). */
export function packEntriesByName(cacheDir: string): Map<string, PackLine & { json: Record<string, unknown> }> {
  const byName = new Map<string, PackLine & { json: Record<string, unknown> }>()
  for (const l of packLines(cacheDir)) {
    let json: Record<string, unknown>
    try {
      json = JSON.parse(l.text) as Record<string, unknown>
    } catch {
      continue
    }
    if (typeof json !== 'object' || json === null) continue
    const known = typeof json.name === 'string' ? byName.get(json.name) : undefined
    if (typeof json.name === 'string' && (!known || known.storedAt <= l.storedAt)) byName.set(json.name, { ...l, json })
  }
  return byName
}

/** Replaces the entry text (and optionally the head) of `target`, keeping every other line. */
export function rewritePackLine(target: PackLine, text: string, head: { id?: string; storedAt?: string } = {}): void {
  const lines = readFileSync(target.file, 'utf8').split('\n')
  lines[target.line] = `${head.id ?? target.id} ${head.storedAt ?? target.storedAt} ${text}`
  writeFileSync(target.file, lines.join('\n'))
}
