/**
 * What `npm audit signatures` (text output, npm 10–12) says it verified: the counts it prints and
 * the packages it lists as missing or invalid. The bench refuses a run whose counts are not the
 * world's, so a silently failing npm (no TUF, no keys) can never look fast.
 */
export interface NpmAuditSummary {
  /** "audited N packages" */
  audited: number
  /** "N packages have verified registry signatures" */
  verifiedSignatures: number
  /** "N packages have verified attestations" */
  verifiedAttestations: number
  /** `name@version` listed under "missing registry signatures" */
  missingSignatures: string[]
  /** `name@version` listed under "invalid registry signatures" or "invalid attestations" */
  invalid: string[]
}

const COUNT = {
  audited: /^audited (\d+) packages? in /m,
  verifiedSignatures: /^(\d+) packages? ha(?:s|ve) (?:an? )?verified registry signatures?/m,
  verifiedAttestations: /^(\d+) packages? ha(?:s|ve) (?:an? )?verified attestations?/m,
}

export function parseNpmAuditSignatures(stdout: string): NpmAuditSummary {
  const count = (re: RegExp): number => Number(re.exec(stdout)?.[1] ?? 0)
  const audited = COUNT.audited.exec(stdout)
  if (!audited) throw new Error(`npm audit signatures printed no "audited N packages" line:\n${stdout.slice(0, 2000)}`)
  return {
    audited: Number(audited[1]),
    verifiedSignatures: count(COUNT.verifiedSignatures),
    verifiedAttestations: count(COUNT.verifiedAttestations),
    missingSignatures: listAfter(stdout, /missing registry signatures? but the registry is providing signing keys:$/m),
    invalid: [...listAfter(stdout, /invalid registry signatures?:$/m), ...listAfter(stdout, /invalid attestations?:$/m)],
  }
}

/** The `name@version (registry)` lines of the block a heading opens (after one blank line). */
function listAfter(stdout: string, heading: RegExp): string[] {
  const match = heading.exec(stdout)
  if (!match) return []
  const lines = stdout.slice(match.index + match[0].length).split('\n').slice(2)
  const items: string[] = []
  for (const line of lines) {
    const item = /^(\S+@\S+) \(.+\)$/.exec(line.trim())
    if (!item) break
    items.push(item[1]!)
  }
  return items
}
