/**
 * Headless Chromium for page tests, driven through the DevTools protocol over
 * `--remote-debugging-pipe` (https://chromedevtools.github.io/devtools-protocol/): Chromium reads
 * commands on fd 3 and writes replies and events on fd 4, each a JSON message ended by a NUL byte.
 * No dependency, no port, no network: the page is a file:// URL.
 *
 * `findChromium` says where the browser is; a test skips with its reason when there is none, unless
 * VERIFY_DEPS_REQUIRE_BROWSER=1 (set by .ci/run), where that is a failure.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Readable, Writable } from 'node:stream'
import { pathToFileURL } from 'node:url'

/** Debian's chromium package, or VERIFY_DEPS_CHROMIUM. */
export const DEFAULT_CHROMIUM = '/usr/bin/chromium'

/** The browser to use, or why there is none. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): { path: string } | { missing: string } {
  const path = env.VERIFY_DEPS_CHROMIUM || DEFAULT_CHROMIUM
  return existsSync(path) ? { path } : { missing: `no Chromium at ${path} (install the Debian package chromium, or set VERIFY_DEPS_CHROMIUM)` }
}

/** Whether a missing browser must fail the test run instead of skipping (CI). */
export function browserRequired(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.VERIFY_DEPS_REQUIRE_BROWSER === '1'
}

/** A DevTools protocol event as Chromium sends it. */
export interface CdpEvent {
  method: string
  params: Record<string, any>
  sessionId?: string
}

/** How long one protocol command may take before the test fails instead of hanging. */
const COMMAND_TIMEOUT_MS = 30_000

/** One browser with one page, attached in flat session mode. */
export class Browser {
  /** Every event received, in order (console messages, exceptions, log entries, …). */
  readonly events: CdpEvent[] = []
  private nextId = 1
  private readonly pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void; method: string; timer: NodeJS.Timeout }>()
  private readonly waiters: Array<{ method: string; resolve: (e: CdpEvent) => void }> = []
  private buffer = Buffer.alloc(0)
  private sessionId: string | undefined
  private exited: Error | undefined
  private stderr = ''

  private constructor(
    private readonly child: ChildProcess,
    private readonly profileDir: string,
  ) {
    const input = child.stdio[3] as Writable
    const output = child.stdio[4] as Readable
    input.on('error', () => {})
    output.on('data', (chunk: Buffer) => this.receive(chunk))
    child.stderr!.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-4000)
    })
    child.on('exit', (code, signal) => {
      this.exited = new Error(`chromium exited (${signal ?? code}); stderr: ${this.stderr}`)
      for (const [, p] of this.pending) {
        clearTimeout(p.timer)
        p.reject(this.exited)
      }
      this.pending.clear()
    })
  }

  /** Starts Chromium headless (`--no-sandbox`: CI runs as root) with a throwaway profile and attaches to a new blank page. */
  static async launch(executable: string): Promise<Browser> {
    const profileDir = mkdtempSync(join(tmpdir(), 'verify-deps-chromium-'))
    const args = [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--no-first-run',
      '--no-default-browser-check',
      '--disable-extensions',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--mute-audio',
      '--hide-scrollbars',
      '--remote-debugging-pipe',
      `--user-data-dir=${profileDir}`,
      'about:blank',
    ]
    const child = spawn(executable, args, { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] })
    const browser = new Browser(child, profileDir)
    const { targetId } = await browser.send('Target.createTarget', { url: 'about:blank' }, false)
    const { sessionId } = await browser.send('Target.attachToTarget', { targetId, flatten: true }, false)
    browser.sessionId = sessionId
    return browser
  }

  /** Sends a command to the page (or, with `toPage` false, to the browser) and waits for its result. */
  send(method: string, params: Record<string, unknown> = {}, toPage = true): Promise<any> {
    if (this.exited) return Promise.reject(this.exited)
    const id = this.nextId++
    const message = { id, method, params, ...(toPage && this.sessionId ? { sessionId: this.sessionId } : {}) }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id)
        reject(new Error(`${method}: no answer from chromium in ${COMMAND_TIMEOUT_MS} ms`))
      }, COMMAND_TIMEOUT_MS)
      this.pending.set(id, { resolve, reject, method, timer })
      ;(this.child.stdio[3] as Writable).write(JSON.stringify(message) + '\0')
    })
  }

  /** Resolves with the next event named `method` (one that already arrived does not count). */
  waitFor(method: string): Promise<CdpEvent> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${method}: not received in ${COMMAND_TIMEOUT_MS} ms`)), COMMAND_TIMEOUT_MS)
      this.waiters.push({ method, resolve: (e) => (clearTimeout(timer), resolve(e)) })
    })
  }

  /** Evaluates an expression in the page and gives its value (JSON-serialisable); a thrown exception fails. */
  async evaluate<T = unknown>(expression: string): Promise<T> {
    const r = await this.send('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true })
    if (r.exceptionDetails) throw new Error(`evaluate ${expression}: ${JSON.stringify(r.exceptionDetails)}`)
    return r.result.value as T
  }

  /** Stops the browser and removes its profile. */
  async close(): Promise<void> {
    if (!this.exited) {
      const exit = new Promise<void>((resolve) => this.child.once('exit', () => resolve()))
      this.send('Browser.close', {}, false).catch(() => {})
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000)
      await exit
      clearTimeout(timer)
    }
    rmSync(this.profileDir, { recursive: true, force: true })
  }

  private receive(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk])
    for (let end = this.buffer.indexOf(0); end !== -1; end = this.buffer.indexOf(0)) {
      const text = this.buffer.subarray(0, end).toString('utf8')
      this.buffer = this.buffer.subarray(end + 1)
      this.dispatch(JSON.parse(text) as { id?: number; result?: unknown; error?: { message: string }; method?: string; params?: Record<string, any>; sessionId?: string })
    }
  }

  private dispatch(message: { id?: number; result?: unknown; error?: { message: string }; method?: string; params?: Record<string, any>; sessionId?: string }): void {
    if (message.id !== undefined) {
      const p = this.pending.get(message.id)
      if (!p) return
      this.pending.delete(message.id)
      clearTimeout(p.timer)
      if (message.error) p.reject(new Error(`${p.method}: ${message.error.message}`))
      else p.resolve(message.result)
      return
    }
    if (!message.method) return
    const event: CdpEvent = { method: message.method, params: message.params ?? {}, ...(message.sessionId && { sessionId: message.sessionId }) }
    this.events.push(event)
    for (let i = 0; i < this.waiters.length; i++) {
      if (this.waiters[i]!.method === event.method) {
        this.waiters.splice(i, 1)[0]!.resolve(event)
        i--
      }
    }
  }
}

/** Collects what must not happen on a page, from the moment it starts loading: CSP violations. */
const WATCH = `
  window.__violations = [];
  document.addEventListener('securitypolicyviolation', function (e) {
    window.__violations.push(e.violatedDirective + ' ' + e.blockedURI);
  });
`

/** What the page tests of the HTML reports share: a browser watching for problems, loading files, taking screenshots into `out`. */
export interface PageTester {
  browser: Browser
  /** .tap/html-report: the pages and screenshots, kept by CI with the test output. */
  out: string
  /** Loads `file` and gives the problems seen while loading it, and every URL it requested. */
  load(file: string): Promise<{ problems: string[]; requests: string[] }>
  /** Console errors and warnings, uncaught exceptions, browser log errors and CSP violations so far. */
  problems(): Promise<string[]>
  /** A full-page PNG of the page, written to `out/name`. */
  screenshot(name: string): Promise<{ png: Buffer; file: string }>
}

/** Launches Chromium (closed at `t`'s teardown) with the protocol domains the page tests read, at 1280×900. */
export async function startPageTester(t: { teardown(fn: () => unknown): void }, executable: string, out: string): Promise<PageTester> {
  const browser = await Browser.launch(executable)
  t.teardown(() => browser.close())
  await browser.send('Runtime.enable')
  await browser.send('Log.enable')
  await browser.send('Page.enable')
  await browser.send('Network.enable')
  await browser.send('Page.addScriptToEvaluateOnNewDocument', { source: WATCH })
  await browser.send('Emulation.setDeviceMetricsOverride', { width: 1280, height: 900, deviceScaleFactor: 1, mobile: false })
  mkdirSync(out, { recursive: true })
  const problems = async (): Promise<string[]> => {
    const seen: string[] = []
    for (const e of browser.events) {
      if (e.method === 'Runtime.exceptionThrown') seen.push(`exception: ${JSON.stringify(e.params.exceptionDetails)}`)
      if (e.method === 'Runtime.consoleAPICalled' && ['error', 'warning', 'assert'].includes(e.params.type)) seen.push(`console.${e.params.type}: ${JSON.stringify(e.params.args)}`)
      if (e.method === 'Log.entryAdded' && ['error', 'warning'].includes(e.params.entry.level)) seen.push(`log ${e.params.entry.source}: ${e.params.entry.text}`)
    }
    for (const v of await browser.evaluate<string[]>('window.__violations')) seen.push(`CSP violation: ${v}`)
    return seen
  }
  return {
    browser,
    out,
    problems,
    load: async (file) => {
      browser.events.length = 0
      const loaded = browser.waitFor('Page.loadEventFired')
      await browser.send('Page.navigate', { url: pathToFileURL(file).href })
      await loaded
      return { problems: await problems(), requests: browser.events.filter((e) => e.method === 'Network.requestWillBeSent').map((e) => e.params.request.url as string) }
    },
    screenshot: async (name) => {
      const shot = await browser.send('Page.captureScreenshot', { format: 'png', captureBeyondViewport: true })
      const png = Buffer.from(shot.data as string, 'base64')
      const file = join(out, name)
      writeFileSync(file, png)
      return { png, file }
    },
  }
}

/** A real mouse click in the middle of the element. */
export async function click(browser: Browser, selector: string): Promise<void> {
  const box = await browser.evaluate<{ x: number; y: number }>(
    `(function (e) { e.scrollIntoView({ block: 'center' }); var r = e.getBoundingClientRect(); return { x: r.left + r.width / 2, y: r.top + r.height / 2 } })(document.querySelector(${JSON.stringify(selector)}))`,
  )
  for (const type of ['mousePressed', 'mouseReleased']) await browser.send('Input.dispatchMouseEvent', { type, x: box.x, y: box.y, button: 'left', clickCount: 1 })
}


/**
 * Loads a page built from hostile strings and asserts nothing in them took effect: no console error,
 * exception or CSP violation, no request but the page, no injected script, element or event handler,
 * and only the page's two scripts (its data and its code).
 */
export async function assertInert(t: { same(a: unknown, b: unknown, m: string): unknown; equal(a: unknown, b: unknown, m: string): unknown }, page: PageTester, file: string): Promise<void> {
  const { problems: seen, requests } = await page.load(file)
  t.same(seen, [], 'no console error, exception or CSP violation')
  t.same(requests, [pathToFileURL(file).href], 'the page requests nothing but itself')
  t.equal(await page.browser.evaluate('window.__pwned'), undefined, 'no injected script ran')
  t.equal(await page.browser.evaluate(`document.querySelectorAll('img, iframe, object, embed, form, base, link, meta[http-equiv="refresh"]').length`), 0, 'no injected element')
  t.equal(await page.browser.evaluate(`document.querySelectorAll('script').length`), 2, 'only the page data and the page script')
  t.equal(await page.browser.evaluate(`Array.from(document.querySelectorAll('*')).filter(function (e) { return Array.from(e.attributes).some(function (a) { return /^on/i.test(a.name) }) }).length`), 0, 'no event handler attribute')
}

/** Runs a page test file's `run` with Chromium; without it, skips the file with the reason, or fails it under VERIFY_DEPS_REQUIRE_BROWSER=1. */
export async function withChromium(t: { fail(m: string): unknown; plan(n: number, m: string): unknown }, run: (executable: string) => Promise<void>): Promise<void> {
  const chromium = findChromium()
  if ('missing' in chromium) {
    if (browserRequired()) t.fail(`VERIFY_DEPS_REQUIRE_BROWSER=1 but ${chromium.missing}`)
    else t.plan(0, `skipped: ${chromium.missing}`)
  } else {
    await run(chromium.path)
  }
}
