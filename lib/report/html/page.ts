/**
 * One self-contained HTML page: inline style and script, no fonts, images or requests, under a
 * Content-Security-Policy that forbids everything but that one style and that one script, named by
 * their SHA-256 (CSP level 2 hash sources, https://www.w3.org/TR/CSP3/#grammardef-hash-source). So a
 * report kept as a CI artifact stays readable offline, and text that slipped past escaping still
 * could not run a script, load anything or send data anywhere. Pure.
 */
import { createHash } from 'node:crypto'
import { element, jsonForScript, raw, type Content } from './escape.js'

export interface HtmlPage {
  /** The document title (text). */
  title: string
  /** The page's whole CSS. */
  style: string
  /** The page's whole script, if it has one: allowed by its hash, run after the body is parsed. */
  script?: string
  /** Data for the script, embedded as JSON in `<script type="application/json" id="page-data">`. */
  data?: unknown
  /** The body's content. */
  body: Content
}

/** `'sha256-…'`: a CSP hash source for an inline element's exact text. */
export function cspHash(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`
}

/**
 * The page's policy: nothing is allowed (`default-src 'none'`: no fetch, XHR, WebSocket, image, font,
 * frame or form target) but the inline style and script with these exact hashes; no `<base>` and no
 * form submission. Inline event handlers and `style` attributes are refused by it too.
 */
export function contentSecurityPolicy(style: string, script?: string): string {
  return [
    "default-src 'none'",
    `style-src ${cspHash(style)}`,
    `script-src ${script !== undefined ? cspHash(script) : "'none'"}`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ')
}

export function formatHtmlPage(page: HtmlPage): string {
  // Both are the page's own constants, never data; a closing tag inside either would end it early.
  if (/<\/style/i.test(page.style) || (page.script !== undefined && /<\/script|<!--/i.test(page.script))) throw new Error('html: the style or script contains a closing tag')
  const head = [
    raw('<meta charset="utf-8">'),
    // First in <head>: a meta policy applies only to what follows it.
    element('meta', { 'http-equiv': 'Content-Security-Policy', content: contentSecurityPolicy(page.style, page.script) }),
    raw('<meta name="viewport" content="width=device-width, initial-scale=1">'),
    // Links to source hosts leave no trace of where the report was opened.
    raw('<meta name="referrer" content="no-referrer">'),
    element('title', {}, page.title),
    // The style text is ours (no data in it): written as is, so its hash is the hash of these bytes.
    raw(`<style>${page.style}</style>`),
  ]
  const tail = [
    page.data !== undefined && raw(`<script type="application/json" id="page-data">${jsonForScript(page.data)}</script>`),
    page.script !== undefined && raw(`<script>${page.script}</script>`),
  ]
  return `<!DOCTYPE html>\n<html lang="en">\n<head>\n${head.join('\n')}\n</head>\n<body>\n${element('main', {}, page.body).html}\n${tail.filter(Boolean).join('\n')}\n</body>\n</html>\n`
}
