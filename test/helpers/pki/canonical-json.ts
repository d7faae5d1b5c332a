/**
 * JSON canonicalization (RFC 8785 JCS) for the values the test PKI emits: object keys sorted by
 * UTF-16 code units, no whitespace. Rekor stores entry bodies this way and signs its SETs over it.
 * Written here rather than borrowed from @sigstore/core so the PKI does not share code with the
 * verifier it is meant to check.
 */
export type JSONValue = string | number | boolean | null | JSONValue[] | { [key: string]: JSONValue }

export function canonicalJSON(value: JSONValue): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isSafeInteger(value)) {
      throw new RangeError('canonicalJSON: only safe integers are supported')
    }
    return JSON.stringify(value)
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJSON).join(',')}]`
  const keys = Object.keys(value).sort()
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJSON(value[k] as JSONValue)}`).join(',')}}`
}
