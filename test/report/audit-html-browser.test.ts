// `audit report --format html` in a real browser: headless Chromium (Debian's chromium) loads, from
// a file:// URL, the page of a generated population's ground truth (test/helpers/population) and of
// a report full of hostile strings. Asserted: no console error, no uncaught exception, no
// Content-Security-Policy violation, no request beyond the page itself, no injected markup or
// script; typing in the search box filters the package rows; a header click sorts them; the charts
// are drawn; screenshots are PNGs kept under .tap/html-report/ (CI keeps .tap/).
// Without Chromium the test skips with the reason, except under VERIFY_DEPS_REQUIRE_BROWSER=1 (CI).
import t from 'tap'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { renderAuditHtml } from '../../lib/report/audit-html.js'
import { compareText } from '../../lib/model/text-order.js'
import { assertInert, click, startPageTester, withChromium } from '../helpers/browser.js'
import { PROJECT_ROOT } from '../helpers/corpus.js'
import { hostileInput, HOSTILE_AUDIT_MARKER, HOSTILE_ISSUER, HOSTILE_PACKAGE, populationInput } from './audit-fixtures.js'

async function run(executable: string): Promise<void> {
  const page = await startPageTester(t, executable, join(PROJECT_ROOT, '.tap', 'html-report'))
  const { browser, out, load, problems } = page
  async function screenshot(name: string): Promise<Buffer> {
    const { png, file } = await page.screenshot(name)
    t.comment(`screenshot: ${file}`)
    return png
  }

  const rowsSelector = `#audit-packages tbody tr`
  const visibleRows = () => browser.evaluate<number>(`Array.from(document.querySelectorAll('${rowsSelector}')).filter(function (r) { return !r.hidden && r.offsetParent !== null }).length`)
  const column = (i: number) => browser.evaluate<string[]>(`Array.from(document.querySelectorAll('${rowsSelector}')).map(function (r) { return r.cells[${i}].textContent })`)
  const clearSearch = () => browser.evaluate(`(function (i) { i.value = ''; i.dispatchEvent(new Event('input')) })(document.getElementById('audit-packages-search'))`)

  await t.test('the report of a generated population: loads clean; charts drawn; search filters; headers sort', async (t) => {
    const input = populationInput({ packages: 150 })
    const file = join(out, 'audit.html')
    writeFileSync(file, renderAuditHtml(input))

    const { problems: seen, requests } = await load(file)
    t.same(seen, [], 'no console error, exception or CSP violation')
    t.same(requests, [pathToFileURL(file).href], 'the page requests nothing but itself')
    const total = input.packages.length
    t.equal(await visibleRows(), total, 'every package is a row')
    t.equal(await browser.evaluate(`document.getElementById('audit-packages-count').textContent`), `${total} of ${total}`)

    // The charts are drawn with a size: two donuts of four segments, a column per month.
    t.equal(await browser.evaluate(`document.querySelectorAll('figure.donut circle.donut-seg').length`), 8, 'two donuts of four categories')
    t.equal(await browser.evaluate(`document.querySelectorAll('figure.columns g.series').length`), input.metrics.monthly.length, 'a column per month')
    const box = await browser.evaluate<{ width: number; height: number }>(`(function (r) { return { width: r.width, height: r.height } })(document.querySelector('figure.columns svg').getBoundingClientRect())`)
    t.ok(box.width > 300 && box.height > 100, `the monthly chart has a size (${box.width}×${box.height})`)
    const stroke = await browser.evaluate<string>(`getComputedStyle(document.querySelector('circle.donut-seg.tone-pass')).stroke`)
    t.match(stroke, /^rgb/, `a donut segment is coloured by the page's style (${stroke})`)

    // Typing, as a user does.
    const name = input.packages[7]!.name
    await browser.evaluate(`document.getElementById('audit-packages-search').focus()`)
    await browser.send('Input.insertText', { text: name })
    const matching = input.packages.filter((p) => p.name.toLowerCase().includes(name.toLowerCase())).length
    t.equal(await visibleRows(), matching, `typing ${name} leaves the rows that contain it`)
    t.equal(await browser.evaluate(`document.getElementById('audit-packages-count').textContent`), `${matching} of ${total}`)
    await clearSearch()
    await browser.send('Input.insertText', { text: 'downgrade' })
    const downgraded = new Set(input.metrics.continuity.downgrades.map((d) => d.package)).size
    t.ok(downgraded > 0, 'the population has downgrades')
    t.equal(await visibleRows(), downgraded, '"downgrade" filters to the packages with one')

    // A downgrade's package button fills the search box.
    const first = input.metrics.continuity.downgrades[0]!.package
    await browser.evaluate(`document.querySelector('#continuity button[data-search]').click()`)
    t.equal(await browser.evaluate(`document.getElementById('audit-packages-search').value`), first)
    await clearSearch()
    t.equal(await visibleRows(), total, 'clearing the box shows every row again')

    // Sorting by real clicks.
    const names = (await column(0)).map((c) => c.replace(/latest .*$/, ''))
    t.same(names, input.packages.map((p) => p.name).sort(compareText), 'rows start by name')
    await click(browser, '#audit-packages thead button[data-col="1"]')
    const versions = (await column(1)).map(Number)
    t.same(versions, [...versions].sort((a, b) => a - b), 'sorted by version count')
    t.not(versions[0], versions.at(-1), 'the population has packages of different sizes')
    t.equal(await browser.evaluate(`document.querySelectorAll('#audit-packages thead th')[1].getAttribute('aria-sort')`), 'ascending')
    await click(browser, '#audit-packages thead button[data-col="1"]')
    const reversed = (await column(1)).map(Number)
    t.same(reversed, [...reversed].sort((a, b) => b - a), 'a second click reverses')
    await click(browser, '#audit-packages thead button[data-col="5"]')
    await click(browser, '#audit-packages thead button[data-col="5"]')
    t.equal(Number((await column(5))[0]), Math.max(...[...new Set(input.metrics.continuity.downgrades.map((d) => d.package))].map((p) => input.metrics.continuity.downgrades.filter((d) => d.package === p).length)), 'most downgrades first')

    const png = await screenshot('audit.png')
    t.same([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'the screenshot is a PNG')
    t.ok(png.length > 10_000, `the screenshot has content (${png.length} bytes)`)

    // The detector is live: a script the page did not ship is refused, and the refusal is seen.
    await browser.evaluate(`(function () { var s = document.createElement('script'); s.textContent = 'window.__ran = 1'; document.body.appendChild(s) })()`)
    t.equal(await browser.evaluate('window.__ran'), undefined, 'an injected inline script does not run')
    t.ok((await problems()).some((p) => /^CSP violation: script-src/.test(p)), 'the page saw the violation')
  })

  await t.test('hostile names, versions, issuers, runners and registry stay text: nothing runs or loads', async (t) => {
    const file = join(out, 'audit-hostile.html')
    writeFileSync(file, renderAuditHtml(hostileInput()))
    await assertInert(t, page, file)
    t.equal(await browser.evaluate(`document.querySelectorAll('[href]').length`), 0, 'no link')
    const text = await browser.evaluate<string>('document.body.textContent')
    t.ok(text.includes(HOSTILE_PACKAGE), 'the hostile name is shown as text')
    t.ok(text.includes(HOSTILE_ISSUER), 'the hostile issuer is shown as text')
    await browser.evaluate(`document.getElementById('audit-packages-search').focus()`)
    await browser.send('Input.insertText', { text: `onerror ${HOSTILE_AUDIT_MARKER}` })
    t.equal(await visibleRows(), 1, 'searching for markup finds the row that has it as text')
    await screenshot('audit-hostile.png')
  })
}

await withChromium(t, run)
