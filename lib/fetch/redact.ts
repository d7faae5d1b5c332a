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
