/**
 * Escaping for an HTML page, one helper per context (text, attribute, link, embedded JSON). Pure.
 *
 * Everything a report shows (package names, versions, finding messages, repository, workflow and ref
 * strings) comes from a lockfile, a registry or a signing certificate: attacker-controlled text. It
 * reaches the page only through these helpers, so it can neither close an element, open a tag, add
 * an attribute, nor start a script (https://html.spec.whatwg.org/multipage/syntax.html, and OWASP's
 * XSS prevention rules 1, 2, 3 and 5).
 */

/** An HTML fragment that is already safe to place in element content: made only by the builders here. */
export class Html {
  constructor(readonly html: string) {}
  toString(): string {
    return this.html
  }
}

/** Text or an already-built fragment: what the builders accept as content. */
export type Content = Html | string | number | null | undefined | false | readonly Content[]

const TEXT_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

/**
 * Text for element content or a quoted attribute value: `& < > " '` become references. Control
 * characters (C0 but tab and line feed, DEL, C1) become visible `\u{…}` escapes, as in the text
 * report: a page shows them, a copy and paste into a terminal does not run them. So do the
 * bidirectional overrides and isolates, which could make a name read as another (CVE-2021-42574,
 * "Trojan Source").
 */
export function escapeText(text: string): string {
  return text
    .replace(/[&<>"']/g, (c) => TEXT_ESCAPES[c]!)
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`)
}

/** Content as HTML: strings and numbers are escaped, fragments kept, arrays joined, empty values dropped. */
export function html(content: Content): string {
  if (content instanceof Html) return content.html
  if (content === null || content === undefined || content === false) return ''
  if (typeof content === 'number') return String(content)
  if (typeof content === 'string') return escapeText(content)
  return content.map(html).join('')
}

/** Marks a fragment built by this module's callers from escaped pieces. */
export function raw(fragment: string): Html {
  return new Html(fragment)
}

/** Attribute names the builders write: fixed lower-case names, never taken from data. */
const ATTRIBUTE_NAME = /^[a-z][a-z0-9-]*$/i

/** Attributes that load or navigate to a URL: only `href`, and only with a fragment or a safeLink. */
const URL_ATTRIBUTES = new Set(['href', 'src', 'srcset', 'srcdoc', 'action', 'formaction', 'xlink:href', 'poster', 'data', 'background', 'ping'])

function isAllowedHref(name: string, value: string): boolean {
  return name.toLowerCase() === 'href' && (/^#[a-z0-9-]*$/i.test(value) || safeLink(value) === value)
}

/**
 * ` name="value"` for each attribute whose value is not null/undefined/false (`true`: the bare name).
 * Values are escaped for a double-quoted attribute. `href` must be a fragment (`#id`) or a checked
 * link (safeLink), other URL attributes are refused; `on*` handlers and `style` are refused outright, as the page's CSP refuses them.
 */
export function attributes(attrs: Readonly<Record<string, string | number | boolean | null | undefined>>): string {
  let out = ''
  for (const [name, value] of Object.entries(attrs)) {
    if (!ATTRIBUTE_NAME.test(name) || /^on/i.test(name) || name.toLowerCase() === 'style') throw new Error(`html: attribute ${JSON.stringify(name)} is not allowed`)
    if (value === null || value === undefined || value === false) continue
    if (URL_ATTRIBUTES.has(name.toLowerCase()) && !isAllowedHref(name, String(value))) throw new Error(`html: ${name}=${JSON.stringify(String(value))} is not a checked link`)
    out += value === true ? ` ${name}` : ` ${name}="${escapeText(String(value))}"`
  }
  return out
}

/** Elements that have no content and no end tag. */
const VOID_ELEMENTS = new Set(['br', 'hr', 'input', 'meta', 'wbr'])

/** `<tag attrs>content</tag>` (a void element: `<tag attrs>`): the one way elements are made. */
export function element(tag: string, attrs: Readonly<Record<string, string | number | boolean | null | undefined>>, ...content: Content[]): Html {
  if (!/^[a-z][a-z0-9]*$/i.test(tag)) throw new Error(`html: tag ${JSON.stringify(tag)} is not allowed`)
  if (VOID_ELEMENTS.has(tag)) return raw(`<${tag}${attributes(attrs)}>`)
  return raw(`<${tag}${attributes(attrs)}>${html(content)}</${tag}>`)
}

/** The source hosts a page links to: a commit link goes only to these, over https. */
export const LINK_HOSTS = ['github.com', 'gitlab.com'] as const

/**
 * The URL as given when it is `https:` on one of LINK_HOSTS with no credentials and no port, else
 * undefined: never `javascript:`, `data:`, `http:` or another host, whatever a certificate says.
 */
export function safeLink(url: string): string | undefined {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    return undefined
  }
  if (u.protocol !== 'https:' || u.username || u.password || u.port) return undefined
  if (!(LINK_HOSTS as readonly string[]).includes(u.hostname)) return undefined
  return u.href
}

/**
 * JSON for a `<script type="application/json">` element: `<` `>` `&` and U+2028/9 as `\uXXXX`, so no
 * string can close the element (`</script>`) or open a comment (`<!--`); JSON.parse reads the same value.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}
