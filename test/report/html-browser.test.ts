// `--format html` in a real browser: headless Chromium (Debian's chromium) loads the page of a real
// check (the demo world, lib/demo) and of a report full of hostile strings, from a file:// URL.
// Asserted: no console error, no uncaught exception, no Content-Security-Policy violation (and that a
// violation would have been seen), no request beyond the page itself, no injected markup or script;
// typing in the search box filters the rows; a header click sorts them; a screenshot is a PNG.
// Without Chromium the test skips with the reason, except under VERIFY_DEPS_REQUIRE_BROWSER=1 (CI).
import t from 'tap'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { runDemo } from '../../lib/demo/run.js'
import { formatReport } from '../../lib/report/formats.js'
import { assertInert, click, startPageTester, withChromium } from '../helpers/browser.js'
import { PROJECT_ROOT } from '../helpers/corpus.js'
import { hostileReport, HOSTILE_MARKER } from './html-fixtures.js'

const TOOL_VERSION = (JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version

async function run(executable: string): Promise<void> {
  const page = await startPageTester(t, executable, join(PROJECT_ROOT, '.tap', 'html-report'))
  const { browser, out, load, problems, screenshot } = page

  const visibleRows = () => browser.evaluate<number>(`Array.from(document.querySelectorAll('#packages tbody tr')).filter(function (r) { return !r.hidden && r.offsetParent !== null }).length`)
  const firstColumn = () => browser.evaluate<string[]>(`Array.from(document.querySelectorAll('#packages tbody tr')).map(function (r) { return r.cells[0].querySelector('code').textContent })`)

  await t.test('the report of a real check (the demo world): loads clean; search filters; headers sort', async (t) => {
    const demo = await runDemo({ fixturesDir: join(PROJECT_ROOT, 'fixtures', 'demo'), toolVersion: TOOL_VERSION })
    const file = join(out, 'demo.html')
    writeFileSync(file, formatReport('html', demo.report).main)

    const { problems: seen, requests } = await load(file)
    t.same(seen, [], 'no console error, exception or CSP violation')
    t.same(requests, [pathToFileURL(file).href], 'the page requests nothing but itself')
    t.equal(await browser.evaluate('document.title'), `verify-deps: ${demo.report.summary.total} packages: ${demo.report.summary.pass} pass, ${demo.report.summary.warn} warn, ${demo.report.summary.fail} fail, ${demo.report.summary.skipped} skipped`)
    const total = demo.report.packages.length
    t.ok(total >= 5, `the demo has several packages (${total})`)
    t.equal(await visibleRows(), total, 'every package is a row')
    t.equal(await browser.evaluate(`document.getElementById('packages-count').textContent`), `${total} of ${total}`)

    // Typing, as a user does: focus the box, insert text (input events fire as for keystrokes).
    await browser.evaluate(`document.getElementById('packages-search').focus()`)
    await browser.send('Input.insertText', { text: 'quick-parse' })
    t.equal(await visibleRows(), 1, 'typing a name leaves its row')
    t.match(await browser.evaluate(`Array.from(document.querySelectorAll('#packages tbody tr')).filter(function (r) { return !r.hidden })[0].textContent`), /quick-parse@4\.0\.1/)
    t.equal(await browser.evaluate(`document.getElementById('packages-count').textContent`), `1 of ${total}`)
    await browser.evaluate(`(function (i) { i.value = ''; i.dispatchEvent(new Event('input')) })(document.getElementById('packages-search'))`)
    await browser.send('Input.insertText', { text: 'PROVENANCE_MISSING' })
    const warned = demo.report.packages.filter((p) => p.findings.some((f) => f.code === 'PROVENANCE_MISSING')).length
    t.ok(warned > 0)
    t.equal(await visibleRows(), warned, 'a finding code filters to the packages that have it')

    // The findings table's code button fills the search box.
    await browser.evaluate(`document.querySelector('button[data-search="INTEGRITY_MISMATCH"]').click()`)
    t.equal(await browser.evaluate(`document.getElementById('packages-search').value`), 'INTEGRITY_MISMATCH')
    t.equal(await visibleRows(), 1)
    await browser.evaluate(`(function (i) { i.value = ''; i.dispatchEvent(new Event('input')) })(document.getElementById('packages-search'))`)
    t.equal(await visibleRows(), total, 'clearing the box shows every row again')

    // Sorting by a real click on the "package" header, then again to reverse.
    const names = demo.report.packages.map((p) => `${p.name}@${p.version}`)
    const sorted = [...names].sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0))
    t.not((await firstColumn()).join(), sorted.join(), 'rows start in decision order, not by name')
    await click(browser, '#packages thead button[data-col="0"]')
    t.same(await firstColumn(), sorted, 'sorted by name')
    t.equal(await browser.evaluate(`document.querySelector('#packages thead th').getAttribute('aria-sort')`), 'ascending')
    await click(browser, '#packages thead button[data-col="0"]')
    t.same(await firstColumn(), [...sorted].reverse(), 'a second click reverses')
    await click(browser, '#packages thead button[data-col="1"]')
    const decisions = await browser.evaluate<string[]>(`Array.from(document.querySelectorAll('#packages tbody tr')).map(function (r) { return r.cells[1].textContent })`)
    const rank = ['fail', 'warn', 'skipped', 'pass']
    t.same(decisions, [...decisions].sort((a, b) => rank.indexOf(a) - rank.indexOf(b)), 'sorted by decision, worst first')

    const { png, file: pngFile } = await screenshot('demo.png')
    t.same([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'the screenshot is a PNG')
    t.ok(png.length > 10_000, `the screenshot has content (${png.length} bytes)`)
    t.comment(`screenshot: ${pngFile}`)

    // The detector is live: a script the page did not ship is refused, and the refusal is seen.
    await browser.evaluate(`(function () { var s = document.createElement('script'); s.textContent = 'window.__ran = 1'; document.body.appendChild(s) })()`)
    t.equal(await browser.evaluate('window.__ran'), undefined, 'an injected inline script does not run')
    const refused = await problems()
    t.ok(refused.some((p) => /^CSP violation: script-src/.test(p)), 'the page saw the violation')
    t.ok(refused.some((p) => /^log security: .*Content Security Policy/.test(p)), 'the browser logged it')
  })

  await t.test('hostile names, messages and identities stay text: nothing runs, loads or links elsewhere', async (t) => {
    const file = join(out, 'hostile.html')
    writeFileSync(file, formatReport('html', hostileReport()).main)
    await assertInert(t, page, file)
    const hrefs = await browser.evaluate<string[]>(`Array.from(document.querySelectorAll('[href]')).map(function (a) { return a.getAttribute('href') })`)
    for (const href of hrefs) t.match(href, /^https:\/\/(github\.com|gitlab\.com)\/[A-Za-z0-9_.\/-]+$/, `a link to a known host: ${href}`)
    const text = await browser.evaluate<string>('document.body.textContent')
    t.ok(text.includes(`<img src=x onerror="window.__pwned=1">${HOSTILE_MARKER}`), 'the hostile name is shown as text')
    t.ok(text.includes('</script><script>window.__pwned=1</script>'), 'a closing script tag in a message is text')
    // The embedded data still parses and the search still works on hostile text.
    await browser.evaluate(`document.getElementById('packages-search').focus()`)
    await browser.send('Input.insertText', { text: '<img src=x onerror' })
    t.equal(await visibleRows(), 1, 'searching for markup finds the row that has it as text')
  })
}

await withChromium(t, run)
