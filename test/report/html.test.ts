// The HTML format's building blocks and page, without a browser: escaping per context, the CSP and
// its hashes, the charts and tables, evidence levels and links from verified facts only, and hostile
// report text that must stay text. html-browser.test.ts loads the pages in Chromium.
import t from 'tap'
import { createHash } from 'node:crypto'
import { formatReport } from '../../lib/report/formats.js'
import { PAGE_SCRIPT, PAGE_STYLE } from '../../lib/report/html/client.js'
import { badge, barChart, section, simpleTable, sortableTable, summaryCards } from '../../lib/report/html/components.js'
import { attributes, element, escapeText, html, jsonForScript, raw, safeLink } from '../../lib/report/html/escape.js'
import { evidenceLevel, sourceLinks, verifiedIdentity } from '../../lib/report/html/evidence.js'
import { contentSecurityPolicy, cspHash, formatHtmlPage } from '../../lib/report/html/page.js'
import { formatReportHtml } from '../../lib/report/html/report.js'
import { deepFreeze, facts, identity, sampleReport, scopedWithIdentity } from './fixtures.js'
import { HOSTILE_MESSAGE, HOSTILE_NAME, HOSTILE_VERSION, hostileReport } from './html-fixtures.js'

/** The page's embedded JSON, parsed. */
function pageData(page: string): any {
  const m = /<script type="application\/json" id="page-data">([^<]*)<\/script>/.exec(page)
  if (!m) throw new Error('no page data')
  return JSON.parse(m[1]!)
}

/** The text between the tags of every element named `tag` (no nesting of the same tag). */
function contents(page: string, tag: string): string[] {
  return [...page.matchAll(new RegExp(`<${tag}\\b[^>]*>([\\s\\S]*?)</${tag}>`, 'g'))].map((m) => m[1]!)
}

t.test('escapeText: markup, quotes and ampersands become references; control characters become visible', async (t) => {
  t.equal(escapeText(`<a href="x" title='y'>&amp;</a>`), '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;')
  t.equal(escapeText('\u001b[31mred\u009b\u007f'), '\\u{1b}[31mred\\u{9b}\\u{7f}')
  t.equal(escapeText('tab\tand\nnewline'), 'tab\tand\nnewline', 'tab and line feed are ordinary whitespace')
  t.equal(escapeText('evil\u202egpj.exe\u2066x\u2069'), 'evil\\u{202e}gpj.exe\\u{2066}x\\u{2069}', 'bidirectional overrides are visible')
  t.equal(html(['a', 1, null, undefined, false, raw('<b>'), ['<i>']]), 'a1<b>&lt;i&gt;')
})

t.test('attributes: values escaped; names fixed; no handlers, styles or unchecked URLs', async (t) => {
  t.equal(attributes({ title: `"><script>`, hidden: true, open: false, gone: null, n: 3 }), ' title="&quot;&gt;&lt;script&gt;" hidden n="3"')
  for (const name of ['onclick', 'ONLOAD', 'style', 'x y', '"a', 'a=b']) t.throws(() => attributes({ [name]: 'x' }), { message: /is not allowed/ }, name)
  for (const href of ['javascript:alert(1)', 'JavaScript:alert(1)', ' javascript:alert(1)', 'data:text/html,x', 'http://github.com/a/b', 'https://evil.example/', 'https://github.com.evil.example/', '//github.com/a', 'https://user@github.com/a', 'https://github.com:444/a', '#a b']) {
    t.throws(() => attributes({ href }), { message: /is not a checked link/ }, href)
  }
  for (const name of ['src', 'action', 'formaction', 'srcdoc', 'ping']) t.throws(() => attributes({ [name]: 'https://github.com/a' }), { message: /is not a checked link/ }, name)
  t.equal(attributes({ href: 'https://github.com/a/b' }), ' href="https://github.com/a/b"')
  t.equal(attributes({ href: '#packages' }), ' href="#packages"')
  t.throws(() => element('scr ipt', {}), { message: /tag/ })
  t.equal(element('input', { type: 'search' }).html, '<input type="search">', 'void elements have no end tag')
})

t.test('safeLink: https on github.com or gitlab.com only, as the URL parser reads it', async (t) => {
  t.equal(safeLink('https://github.com/a/b'), 'https://github.com/a/b')
  t.equal(safeLink('https://gitlab.com/g/s/p/-/commit/abc'), 'https://gitlab.com/g/s/p/-/commit/abc')
  for (const url of ['javascript:alert(1)', 'https://github.com.evil.example/a', 'https://evil.example/github.com', 'http://github.com/a', 'https://a:b@github.com/', 'not a url', 'https://GITHUB.com@evil.example/']) t.equal(safeLink(url), undefined, url)
})

t.test('jsonForScript: no string can end the script element or open a comment; the value round-trips', async (t) => {
  const value = { s: '</script><script>alert(1)</script><!-- & \u2028\u2029 >' }
  const text = jsonForScript(value)
  t.notMatch(text, /[<>&\u2028\u2029]/)
  t.same(JSON.parse(text), value)
})

t.test('the page: a CSP that allows exactly its style and script by hash, and nothing else', async (t) => {
  const page = formatHtmlPage({ title: '<t>', style: 'body{}', script: 'void 0', data: { a: '</script>' }, body: 'x' })
  const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(page)?.[1]?.replaceAll('&#39;', "'")
  t.equal(csp, contentSecurityPolicy('body{}', 'void 0'))
  t.equal(csp, `default-src 'none'; style-src 'sha256-${createHash('sha256').update('body{}').digest('base64')}'; script-src ${cspHash('void 0')}; base-uri 'none'; form-action 'none'`)
  t.ok(page.indexOf('Content-Security-Policy') < page.indexOf('<style>'), 'the policy comes before anything it governs')
  t.match(page, '<style>body{}</style>')
  t.match(page, '<script>void 0</script>')
  t.match(page, '<title>&lt;t&gt;</title>')
  t.same(pageData(page), { a: '</script>' })
  t.notMatch(formatHtmlPage({ title: 't', style: 's', body: '' }), /<script/, 'no script, no script element')
  t.match(contentSecurityPolicy('s'), "script-src 'none'")
  t.throws(() => formatHtmlPage({ title: 't', style: 'a</style>', body: '' }), { message: /closing tag/ })
  t.throws(() => formatHtmlPage({ title: 't', style: '', script: "'</script>'", body: '' }), { message: /closing tag/ })
})

t.test('the shipped style and script carry no closing tag, and the script only touches the page through text and attributes', async (t) => {
  t.notMatch(PAGE_STYLE, /<\/style/i)
  t.notMatch(PAGE_SCRIPT, /<\/script|<!--/i)
  t.notMatch(PAGE_SCRIPT, /innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|Function\(|fetch\(|XMLHttpRequest/)
})

t.test('building blocks: cards, a bar chart in SVG scaled to its largest bar, a sortable table with its data', async (t) => {
  const cards = summaryCards([{ label: 'fail', value: 2, tone: 'fail', detail: '<x>' }, { label: 'all', value: 9 }]).html
  t.match(cards, '<div class="card tone-fail"><div class="card-value">2</div><div class="card-label">fail</div><div class="card-detail">&lt;x&gt;</div></div>')
  t.match(cards, 'card tone-neutral')

  const chart = barChart('Decisions <&>', [{ label: 'fail', value: 1, tone: 'fail' }, { label: 'pass', value: 3, tone: 'pass' }, { label: 'skipped', value: 0 }]).html
  t.match(chart, /^<figure class="chart"><figcaption>Decisions &lt;&amp;&gt;<\/figcaption><svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/)
  const widths = [...chart.matchAll(/<rect [^>]*width="(\d+)"/g)].map((m) => Number(m[1]))
  t.equal(widths.length, 3)
  t.equal(widths[1], 260, 'the largest bar spans the plot')
  t.equal(widths[0], 87, 'the others in proportion')
  t.equal(widths[2], 0, 'an empty bar is empty')
  t.match(chart, '>1 (25%)<')
  t.match(chart, 'aria-label="Decisions &lt;&amp;&gt;: fail 1, pass 3, skipped 0"')
  t.match(barChart('none', [{ label: 'a', value: 0 }]).html, '>0 (0%)<', 'no division by zero')

  const table = sortableTable('t1', 'cap', [{ label: 'name', sortable: true }, { label: 'n', numeric: true }], [{ cells: ['<b>', 2], search: 'B Two', keys: ['b', 2] }])
  t.match(table.html.html, '<input type="search" id="t1-search" data-table="t1"')
  t.match(table.html.html, '<th scope="col"><button type="button" class="sort" data-col="0">name</button></th><th scope="col" class="num">n</th>')
  t.match(table.html.html, '<tr data-row="0"><td>&lt;b&gt;</td><td class="num">2</td></tr>')
  t.match(table.html.html, '<span class="match-count" id="t1-count" aria-live="polite">1 of 1</span>')
  t.same(table.data, { rows: [{ search: 'b two', keys: ['b', 2] }] })

  t.equal(badge('<x>', 'warn').html, '<span class="badge tone-warn">&lt;x&gt;</span>')
  t.equal(section('s', 'T', 'x').html, '<section id="s"><h2>T</h2>x</section>')
  t.match(simpleTable(['a', 'b'], [['1', 2]], [1]).html, '<td>1</td><td class="num">2</td>')
})

t.test('evidence levels come from verified facts bound to the lockfile integrity', async (t) => {
  const base = facts('p', '1.0.0')
  t.equal(evidenceLevel(undefined), 'not-checked')
  t.equal(evidenceLevel(base), 'provenance', 'verified provenance, no trusted-publisher claim')
  t.equal(evidenceLevel({ ...base, publisher: { source: 'registry-metadata', trustedPublisher: { id: 'github' } } }), 'trusted-publisher')
  t.equal(evidenceLevel({ ...base, provenance: { status: 'none' }, publisher: { source: 'registry-metadata', trustedPublisher: { id: 'github' } } }), 'signature', 'the unsigned trusted-publisher claim alone counts for nothing')
  t.equal(evidenceLevel({ ...base, provenance: { status: 'invalid' } }), 'signature')
  t.equal(evidenceLevel({ ...base, provenance: { status: 'none' }, signature: { status: 'missing' } }), 'signature', 'a publish attestation')
  t.equal(evidenceLevel({ ...base, provenance: { status: 'none' }, signature: { status: 'missing' }, publish: { status: 'none' } }), 'none')
  t.equal(evidenceLevel({ ...base, integrity: { status: 'mismatch' } }), 'none', 'evidence about other bytes counts for nothing')
  t.ok(verifiedIdentity(base))
  t.equal(verifiedIdentity({ ...base, provenance: { status: 'invalid', identity: identity() } }), undefined, 'an identity from provenance that did not verify is not shown')
  t.equal(verifiedIdentity({ ...base, integrity: { status: 'mismatch' } }), undefined)
})

t.test('source links: github.com and gitlab.com builds, every part checked', async (t) => {
  const sha = '0123456789abcdef0123456789abcdef01234567'
  t.same(sourceLinks(identity()), {
    repository: 'https://github.com/acme/built',
    commit: `https://github.com/acme/built/commit/${sha}`,
    workflow: `https://github.com/acme/built/blob/${sha}/.github/workflows/release.yml`,
  }, 'owner/name from a GitHub Actions certificate')
  t.same(sourceLinks(identity({ repositoryUri: 'https://gitlab.com/group/sub/proj', issuer: 'https://gitlab.com', workflow: '.gitlab-ci.yml' })), {
    repository: 'https://gitlab.com/group/sub/proj',
    commit: `https://gitlab.com/group/sub/proj/-/commit/${sha}`,
    workflow: `https://gitlab.com/group/sub/proj/-/blob/${sha}/.gitlab-ci.yml`,
  })
  t.same(sourceLinks(identity({ repositoryUri: 'git+https://github.com/acme/built.git' })).repository, 'https://github.com/acme/built')
  t.same(sourceLinks(identity({ commit: 'main' })), { repository: 'https://github.com/acme/built' }, 'no commit link without a full commit hash')
  t.same(sourceLinks(identity({ workflow: '../../evil.yml' })).workflow, undefined)
  for (const repositoryUri of ['https://github.com/a/b/c', 'https://github.com/a/..', 'https://github.com.evil.example/a/b', 'http://github.com/a/b', 'https://github.com/a/b?x=1', 'https://github.com/a/b#x', 'https://github.com/a%2fb/c', 'javascript:alert(1)//https://github.com/a/b']) {
    t.same(sourceLinks(identity({ repositoryUri })), {}, repositoryUri)
  }
  t.same(sourceLinks(identity({ repositoryUri: undefined, issuer: 'https://other.example' })), {}, 'owner/name from another issuer names no host')
})

t.test('the report page: summary, charts, findings by code, packages with identity from verified facts', async (t) => {
  const report = deepFreeze(sampleReport({ notices: ['a notice'], couldNotVerify: true, registries: [{ url: 'https://npm.acme.example/', keysSource: 'none', keysFrom: null, packages: 1, verified: 0, couldNotVerify: true }] }))
  const page = formatReportHtml(report).main
  t.equal(formatReport('html', report).main, page)
  t.match(page, /^<!DOCTYPE html>\n<html lang="en">/)
  t.match(page, '<title>verify-deps: 6 packages: 1 pass, 3 warn, 1 fail, 1 skipped; could not verify some packages</title>')
  t.same(contents(page, 'figcaption'), ['Decisions', 'Evidence verified'])
  t.match(page, 'aria-label="Decisions: fail 1, warn 3, skipped 1, pass 1"')
  t.match(page, 'aria-label="Evidence verified: trusted publisher 1, provenance 1, registry signature 2, none verified 1, not checked 1"')
  t.match(page, 'registry https://npm.acme.example/ publishes no signing keys: 1 package could not be verified')
  t.match(page, 'Some evidence could not be obtained')
  t.match(page, '<li>a notice</li>')

  // Findings by code: count of packages, the fix once.
  const findings = /<section id="findings">([\s\S]*?)<\/section>/.exec(page)![1]!
  t.match(findings, '<h2>Findings by code (4)</h2>')
  t.match(findings, /data-search="PROVENANCE_MISSING">PROVENANCE_MISSING<\/button><\/td><td>No provenance<\/td><td><span class="badge tone-warn">2 warning<\/span> <\/td><td class="num">2<\/td>/)
  t.equal(findings.split('Ask the maintainers to publish with provenance').length, 2, 'one fix line per code')

  // The package table: worst first, its data for the script.
  const data = pageData(page).tables.packages
  t.equal(data.rows.length, 6)
  const ids = contents(page, 'code').filter((c) => /@\d/.test(c))
  t.same(ids.slice(0, 6), ['evil-pkg@6.6.6', '@acme/built@2.1.0', 'deep-dep@0.1.0', 'lodash@4.17.21', 'bundled-dep@1.0.0', 'left-pad@1.3.0'])
  t.same(data.rows[0].keys, ['evil-pkg@6.6.6', 0, 3, null, 2, 'default'], 'sort keys: name, decision rank, evidence rank, repository, finding count, rule')
  t.match(data.rows[0].search, 'signature_invalid')
  t.match(data.rows[4].search, 'bundled: covered by parent-pkg@2.0.0')
  t.match(page, `<a href="https://github.com/acme/built/commit/0123456789abcdef0123456789abcdef01234567" rel="noopener noreferrer">0123456789ab</a>`)
  // evil-pkg's provenance is invalid: its identity is not shown even though the facts carry one.
  const evilRow = /<tr data-row="0">([\s\S]*?)<\/tr>/.exec(page)![1]!
  t.notMatch(evilRow, 'acme/built')
  t.match(evilRow, '<details open>', 'a failure shows its findings open')
})

t.test('aliases, skipped reasons and settings are shown', async (t) => {
  const built = scopedWithIdentity()
  const aliased = { ...built, locations: [{ ...built.locations[0]!, alias: 'nick' }] }
  const report = sampleReport()
  const page = formatReportHtml({ ...report, packages: [...report.packages.filter((p) => p.name !== '@acme/built'), aliased], project: { ...report.project, settings: [{ key: 'omit', value: ['dev'], from: 'project .npmrc (/w/.npmrc)' }] } }).main
  t.match(page, 'installed as nick')
  t.match(pageData(page).tables.packages.rows.find((r: any) => r.search.includes('@acme/built')).search, 'nick')
  t.match(page, '<code>omit=dev</code> from project .npmrc (/w/.npmrc) — dev dependencies were not checked')
  t.match(page, /<section id="skipped"><h2>Skipped \(1\)<\/h2>[\s\S]*data-search="bundled">bundled<\/button>/)
})

t.test('install scripts: a card with how many will run, and the reason on the package', async (t) => {
  const scripts = (willRun: boolean, provenance: boolean) => ({ willRun, reason: willRun ? 'allowed by allowScripts' : 'not in allowScripts', allowScripts: 'unreviewed' as const, matched: [], pinnedElsewhere: [], rules: 'npm12' as const, verified: { provenance, trustedPublisher: false } })
  const report = sampleReport()
  const packages = report.packages.map((p, i) => (i < 3 ? { ...p, installScripts: scripts(i < 2, i === 0) } : p))
  const context = { rules: 'npm12' as const, npmVersion: '12.0.0', reason: 'r', settings: { ignoreScripts: { value: false, from: 'default' }, dangerouslyAllowAllScripts: { value: false, from: 'default' }, strictAllowScripts: { value: true, from: 'default' } }, allowScripts: { source: 'package.json' as const, ignored: [] } }
  const page = formatReportHtml({ ...report, packages, installScripts: context }).main
  t.match(page, '<div class="card tone-warn"><div class="card-value">2</div><div class="card-label">run install scripts</div><div class="card-detail">of 3 with install scripts; 1 of those that run have verified provenance</div></div>')
  t.match(page, 'install scripts will run: allowed by allowScripts')
  t.match(page, 'install scripts will not run: not in allowScripts')
  t.notMatch(formatReportHtml(report).main, 'run install scripts', 'no card without install scripts')
})

t.test('hostile report text is escaped in every context: no tag, attribute, link or script of its own', async (t) => {
  const page = formatReportHtml(hostileReport()).main
  // Outside the JSON data, no hostile string survives raw.
  const markup = page.replace(/<script type="application\/json" id="page-data">[^<]*<\/script>/, '')
  for (const s of [HOSTILE_NAME, HOSTILE_VERSION, '<script>window', '<iframe', '<svg onload', '<base', '<meta http-equiv="refresh"', '<form', '<object', '<link', '<u ', '<!-- <script>']) t.notOk(markup.includes(s), `no raw ${s}`)
  t.equal(markup.match(/<script\b/g)?.length, 1, 'one script element besides the data')
  // Inside a tag an injected handler would need a raw `"`; text has `<` and `"` escaped, so tags are the page's own.
  t.notMatch(markup, /<[a-z][^>]*\son[a-z]+="/i, 'no event handler attribute')
  t.same([...markup.matchAll(/href="([^"]*)"/g)].map((m) => m[1]), [
    'https://github.com/acme/built',
    'https://github.com/acme/built/blob/0123456789abcdef0123456789abcdef01234567/.github/workflows/release.yml',
    'https://github.com/acme/built/commit/0123456789abcdef0123456789abcdef01234567',
  ], 'the only links: the honest passing package’s')
  t.match(markup, '&lt;img src=x onerror=&quot;window.__pwned=1&quot;&gt;HOSTILE-7f3a')
  t.match(markup, 'javascript:alert(1)', 'a hostile repository is shown as text')
  t.match(markup, '\\u{1b}[31m red', 'control characters are visible')
  // The data parses back to the hostile strings (the search matches what was shown).
  const rows = pageData(page).tables.packages.rows
  t.ok(rows.some((r: any) => r.search.includes(`${HOSTILE_NAME}@${HOSTILE_VERSION}`.toLowerCase())))
  t.notOk(page.includes(HOSTILE_MESSAGE), 'the message never appears raw')
})
