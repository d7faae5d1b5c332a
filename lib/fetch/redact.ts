/**
 * Credentials never reach a log line or an error message. Everything fetch/ says about a request or
 * a configuration value goes through `redact`: URL userinfo (`https://user:pass@host` — registry and
 * proxy URLs may carry it), npm's granular access tokens (`npm_…`), and the exact secret values of
 * the configuration in use (`//host/:_authToken`, `:_auth`, `:_password`).
 */
export const REDACTED = '***'

// scheme://user[:password]@ — the userinfo part of any URL in free text.
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@]+@/gi
// npm access tokens: `npm_` and 36 base62 characters (https://github.blog/2021-09-23-announcing-npms-new-access-token-format/).
const NPM_TOKEN = /\bnpm_[A-Za-z0-9]{36}\b/g
// Shorter strings would blank out unrelated text; a real secret is longer.
const MIN_SECRET_LENGTH = 4

/** Removes URL credentials, npm tokens and every given secret from `text`. */
export function redact(text: string, secrets: Iterable<string> = []): string {
  return createRedactor(secrets)(text)
}

/**
 * `redact` with the secrets prepared once (deduplicated, too-short ones dropped, longest first), for
 * a configuration that redacts many strings. Each pattern runs only on text that can hold it: URL
 * userinfo needs an `@`, an npm token `npm_`, a secret its own bytes (`includes` first, then the same
 * split/join). The result is exactly `redact(text, secrets)`'s; most strings (names, versions,
 * digests) come back unchanged without a copy.
 */
export function createRedactor(secrets: Iterable<string> = []): (text: string) => string {
  // Longest first, so a secret that contains another is removed whole.
  const sorted = [...new Set(secrets)].filter((s) => s.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length)
  // Without secrets (no credentials configured) only the two patterns: no loop per string.
  if (sorted.length === 0) return redactPatterns
  return (text) => {
    let out = redactPatterns(text)
    for (const secret of sorted) if (out.includes(secret)) out = out.split(secret).join(REDACTED)
    return out
  }
}

/** `text` without URL userinfo and npm tokens. */
function redactPatterns(text: string): string {
  let out = text
  if (out.includes('@')) out = out.replace(URL_USERINFO, `$1${REDACTED}@`)
  if (out.includes('npm_')) out = out.replace(NPM_TOKEN, REDACTED)
  return out
}

// npm's secret settings, however they are spelt on a command line: `--_authToken=…`,
// `--//host/path/:_authToken=…`, `--_auth …`, `--_password=…` (npm's keys are case-insensitive).
const SECRET_OPTION = /^(--?(?:\/\/[^\s=]*:)?(?:_authtoken|_auth|_password))(=.*)?$/i

/**
 * A command line safe to echo: the value of every npm secret option (`_authToken`, `_auth`,
 * `_password`, as `--key=value` or `--key value`) is replaced, then each argument is redacted as
 * text (URL userinfo, npm tokens, the given secrets).
 */
export function redactArgs(args: readonly string[], secrets: Iterable<string> = []): string[] {
  const redactText = createRedactor(secrets)
  const out: string[] = []
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    const m = SECRET_OPTION.exec(arg)
    if (m && m[2] !== undefined) {
      out.push(`${m[1]}=${REDACTED}`)
    } else if (m && i + 1 < args.length && !args[i + 1]!.startsWith('-')) {
      out.push(arg, REDACTED)
      i++
    } else {
      out.push(redactText(arg))
    }
  }
  return out
}

/**
 * `value` with every string in it passed through `redactText`: applied to the report model as a
 * whole, so that no URL userinfo or token reaches any field (registry and resolved URLs, reasons,
 * notices) or any format rendered from it. Copy on write: an array or plain object is copied only
 * when a string somewhere inside it changes, so `value` itself is never modified and a report with
 * nothing to redact is walked, not rebuilt (no object's entries are made unless it changes).
 * `redactText` is called for every string, repeats included: remembering its answers in a Map cost
 * more than it saved (hashing each of the ~56,000 strings of a 1,000-package report, most of them
 * seen once; createRedactor's answer for a string with nothing to redact is a few `includes`).
 */
export function redactStrings<T>(value: T, redactText: (text: string) => string): T {
  return redactValue(value, redactText) as T
}

function redactValue(value: unknown, redactText: (text: string) => string): unknown {
  if (typeof value === 'string') return redactText(value)
  if (typeof value !== 'object' || value === null) return value
  if (Array.isArray(value)) {
    let out: unknown[] | undefined
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i]
      const r = redactValue(v, redactText)
      if (r !== v && !out) out = value.slice(0, i)
      if (out) out.push(r)
    }
    return out ?? value
  }
  if (Object.getPrototypeOf(value) === Object.prototype) {
    const record = value as Record<string, unknown>
    let out: Array<[string, unknown]> | undefined
    // for…in with the own-key test visits Object.keys' keys in its order without making an array of
    // them for every object of the report.
    for (const k in record) {
      if (!Object.hasOwn(record, k)) continue
      const v = record[k]
      const r = redactValue(v, redactText)
      if (r !== v && !out) out = ownEntriesBefore(record, k)
      if (out) out.push([k, r])
    }
    // fromEntries defines each key as data (a `__proto__` key stays a key).
    return out ? Object.fromEntries(out) : value
  }
  return value
}

/** The own enumerable entries of `record` that come before `key`, in Object.keys' order. */
function ownEntriesBefore(record: Record<string, unknown>, key: string): Array<[string, unknown]> {
  const out: Array<[string, unknown]> = []
  for (const k of Object.keys(record)) {
    if (k === key) break
    out.push([k, record[k]])
  }
  return out
}
