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
  let out = text.replace(URL_USERINFO, `$1${REDACTED}@`).replace(NPM_TOKEN, REDACTED)
  // Longest first, so a secret that contains another is removed whole.
  const sorted = [...new Set(secrets)].filter((s) => s.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length)
  for (const secret of sorted) out = out.split(secret).join(REDACTED)
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
  const secretList = [...secrets]
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
      out.push(redact(arg, secretList))
    }
  }
  return out
}

/**
 * A copy of `value` with every string in it passed through `redactText`: applied to the report model
 * as a whole, so that no URL userinfo or token reaches any field (registry and resolved URLs,
 * reasons, notices) or any format rendered from it.
 */
export function redactStrings<T>(value: T, redactText: (text: string) => string): T {
  if (typeof value === 'string') return redactText(value) as T
  if (Array.isArray(value)) return value.map((v: unknown) => redactStrings(v, redactText)) as T
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) out[k] = redactStrings(v, redactText)
    return out as T
  }
  return value
}
