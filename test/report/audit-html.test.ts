// The audit report's page without a browser (audit-html-browser.test.ts loads it in Chromium): its
// figures against a generated population's ground truth (the donut from the generator's levels, not
// from auditTrustLevel), determinism, the CSP, hostile strings that must stay text, and the charts.
import t from 'tap'
import { ADOPTION_CATEGORIES, adoptionCategory, auditPage, AUDIT_PACKAGE_TABLE_ID, AUDIT_STYLE, MAX_DOWNGRADES_SHOWN, renderAuditHtml } from '../../lib/report/audit-html.js'
import { compareText } from '../../lib/model/text-order.js'
import { donutChart, niceCeiling, percent, stackedColumns } from '../../lib/report/html/charts.js'
import { PAGE_SCRIPT, PAGE_STYLE } from '../../lib/report/html/client.js'
import { cspHash } from '../../lib/report/html/page.js'
import type { TrustLevel } from '../../lib/model/trust.js'
import { generatePopulation, truthVersions } from '../helpers/population/index.js'
import { hostileInput, HOSTILE_AUDIT_VERSION, HOSTILE_ISSUER, HOSTILE_PACKAGE, HOSTILE_REGISTRY, HOSTILE_RUNNER, populationInput } from './audit-fixtures.js'

function pageData(page: string): any {
  const m = /<script type="application\/json" id="page-data">([^<]*)<\/script>/.exec(page)
  if (!m) throw new Error('no page data')
  return JSON.parse(m[1]!)
}

/** The legend of the donut captioned `caption`: label → count. */
function donutLegend(page: string, caption: string): Record<string, number> {
  const start = page.indexOf(`<figcaption>${caption}</figcaption>`)
  if (start < 0) throw new Error(`no donut ${caption}`)
  const legend = page.slice(start, page.indexOf('</ul>', start))
  return Object.fromEntries([...legend.matchAll(/<\/span> ([^<]+) <strong>(\d+)<\/strong>/g)].map((m) => [m[1]!, Number(m[2])]))
}

const LABELS = { 'trusted-publishing': 'trusted publishing', provenance: 'provenance', 'signature-only': 'signature only', none: 'none or invalid' }

t.test('adoptionCategory: approved and trusted-publisher are trusted publishing; each level has one category', async (t) => {
  const levels: TrustLevel[] = ['approved', 'trusted-publisher', 'provenance', 'signature', 'none']
  t.same(levels.map(adoptionCategory), ['trusted-publishing', 'trusted-publishing', 'provenance', 'signature-only', 'none'])
  t.same([...new Set(levels.map(adoptionCategory))], ADOPTION_CATEGORIES)
})

t.test('a generated population: the donuts are the generator\u2019s levels, versions not fetched left out; the table has every package', async (t) => {
  const population = generatePopulation({ seed: 13, packages: 120 })
  const input = populationInput({ seed: 13, packages: 120 })
  const page = renderAuditHtml(input)

  // The truth's levels, computed by the generator's truth (not by the renderer's auditTrustLevel).
  const truth = truthVersions(population)
  const category = (level: TrustLevel | undefined) => (level === undefined ? undefined : LABELS[adoptionCategory(level)])
  const count = (versions: typeof truth) => {
    const out: Record<string, number> = Object.fromEntries(Object.values(LABELS).map((l) => [l, 0]))
    for (const v of versions) if (!v.fetchFailed) out[category(v.level)!]!++
    return out
  }
  const all = count(truth)
  t.same(donutLegend(page, 'All versions'), all)
  const notFetched = truth.filter((v) => v.fetchFailed).length
  t.ok(notFetched > 0, 'the population has versions not fetched')
  t.match(page, `${notFetched} not fetched: left out.`)
  t.equal(Object.values(all).reduce((a, b) => a + b) + notFetched, truth.length)
  const latest = population.packages.map((p) => truth.find((v) => v.name === p.name && v.version === p.latest)!)
  t.same(donutLegend(page, 'Latest versions (one per package)'), count(latest))
  for (const label of Object.values(LABELS)) t.ok(all[label]! > 0, `the population has ${label}`)

  // Headline shares from the metrics.
  const m = input.metrics
  t.match(page, `${m.versions.provenance.verified} of ${m.population.versions} versions`)
  t.match(page, `${percent(m.versions.provenance.verified, m.population.versions)}`)
  t.match(page, `${m.latest.trustedPublisher} of ${population.packages.length} packages`)
  t.match(page, `${m.downloads!.latest.provenance.verified} of ${m.downloads!.total} weekly downloads`)
  t.match(page, 'Latest versions, weighted by weekly downloads')

  // The monthly series: one column per month, each with its figures as text.
  const columns = [...page.matchAll(/<g class="series"><title>([^<]*)<\/title>/g)].map((x) => x[1])
  t.equal(columns.length, m.monthly.length)
  const last = m.monthly.at(-1)!
  t.equal(columns.at(-1), `${last.month}: ${last.versions} versions; trusted publishing ${last.trustedPublisher}, provenance (not trusted publishing) ${last.provenance - last.trustedPublisher}, no verified provenance ${last.versions - last.provenance}`)

  // Issuers, runners, quality, continuity.
  for (const issuer of Object.keys(m.issuers)) t.match(page, `>${issuer}</text>`)
  t.match(page, `>self-hosted</text>`)
  const p = m.versions.provenance
  t.match(page, `<td>provenance</td><td class="num">${p.verified + p.invalid + p.unverifiable}</td><td class="num">${p.verified} (`)
  t.match(page, `${m.continuity.afterFirstProvenance.provenance} of the ${m.continuity.afterFirstProvenance.versions} versions`)
  t.match(page, `Continuity and downgrades (${m.continuity.downgrades.length})`)

  // The package table: every package, by name, with its sort keys as data.
  const data = pageData(page).tables[AUDIT_PACKAGE_TABLE_ID]
  t.equal(data.rows.length, population.packages.length)
  const byName = [...population.packages].sort((a, b) => (a.name < b.name ? -1 : 1))
  t.same(data.rows.map((r: any) => r.keys[0]).sort(), byName.map((p) => p.name).sort())
  const one = population.packages.find((p) => p.versions.length > 3 && p.versions.some((v) => v.provenance === 'valid'))!
  const row = data.rows.find((r: any) => r.keys[0] === one.name)
  const fetched = truth.filter((v) => v.name === one.name && !v.fetchFailed)
  t.same(row.keys.slice(1, 2), [one.versions.length])
  t.equal(row.keys[3], fetched.filter((v) => v.provenance === 'verified').length / fetched.length, 'provenance share of fetched versions')
  t.equal(row.keys[5], m.continuity.downgrades.filter((d) => d.package === one.name).length)
})

t.test('deterministic: the same bytes for the same input, whatever the order of records and packages', async (t) => {
  const input = populationInput({ packages: 60 })
  const page = renderAuditHtml(input)
  t.equal(renderAuditHtml(input), page)
  const reversed = { metrics: input.metrics, records: [...input.records].reverse(), packages: [...input.packages].reverse() }
  t.equal(renderAuditHtml({ ...reversed, page: auditPage(reversed.records, reversed.packages) }), renderAuditHtml({ ...input, page: auditPage(input.records, input.packages) }))
  t.equal(renderAuditHtml({ ...reversed, page: auditPage(reversed.records, reversed.packages, { maxRows: 7 }) }), renderAuditHtml({ ...input, page: auditPage(input.records, input.packages, { maxRows: 7 }) }), 'and the same rows kept')
})

t.test('a store with more packages than --table-rows: the page keeps the rows that matter, counts every package, and says so', async (t) => {
  const full = populationInput({ packages: 200, downloads: false })
  const downgraded = new Set(full.metrics.continuity.downgrades.map((d) => d.package))
  t.ok(downgraded.size > 0 && downgraded.size < 60, `some packages have downgrades (${downgraded.size})`)
  const bounded = populationInput({ packages: 200, downloads: false, maxRows: 60 })
  t.equal(bounded.page.packages, 200)
  t.equal(bounded.page.rows.length, 60)
  t.same(bounded.page.adoption, full.page.adoption, 'the donuts count every package whatever the table keeps')
  t.same(bounded.page.rows.map((r) => r.name), [...bounded.page.rows.map((r) => r.name)].sort(compareText), 'the rows by name')
  const kept = new Set(bounded.page.rows.map((r) => r.name))
  t.ok([...downgraded].every((name) => kept.has(name)), 'every package with a downgrade is kept')
  // The rest: the most versions first (no --downloads).
  const fewestKept = Math.min(...bounded.page.rows.filter((r) => !downgraded.has(r.name)).map((r) => r.versions))
  const mostDropped = Math.max(...full.page.rows.filter((r) => !kept.has(r.name)).map((r) => r.versions))
  t.ok(fewestKept >= mostDropped, `no package left out has more versions (${mostDropped}) than one kept (${fewestKept})`)
  t.same(bounded.page.rows, full.page.rows.filter((r) => kept.has(r.name)), 'a kept row is the row the full table has')
  const page = renderAuditHtml(bounded)
  t.match(page, 'Packages (60 of 200)')
  t.match(page, '60 of the 200 packages: those with downgrades first, then the ones with the most versions, by name; every package is in &quot;verify-deps audit export&quot;')
  t.equal(pageData(page).tables[AUDIT_PACKAGE_TABLE_ID].rows.length, 60)
  t.match(renderAuditHtml(full), 'Packages (200)')
  t.match(renderAuditHtml(full), 'Every package, by name.')

  // With --downloads: the most downloaded, after those with downgrades.
  const weighted = populationInput({ packages: 200, maxRows: 60 })
  const population = generatePopulation({ seed: 13, packages: 200 })
  const weight = (name: string) => population.downloads[name] ?? 0
  const keptW = new Set(weighted.page.rows.map((r) => r.name))
  const leastKept = Math.min(...weighted.page.rows.filter((r) => !downgraded.has(r.name)).map((r) => weight(r.name)))
  const mostLeft = Math.max(...population.packages.filter((p) => !keptW.has(p.name)).map((p) => weight(p.name)))
  t.ok(leastKept >= mostLeft, `no package left out is downloaded more (${mostLeft}) than one kept (${leastKept})`)
  t.match(renderAuditHtml(weighted), 'then the most downloaded (--downloads)')
  t.throws(() => auditPage([], [], { maxRows: 0 }), /maxRows must be a positive integer, got 0/)
})

t.test('the page is self-contained under the check report\u2019s CSP: its style and script by hash, nothing else', async (t) => {
  const page = renderAuditHtml(populationInput({ packages: 20 }))
  const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(page)![1]!
  t.equal(csp.replace(/&#39;/g, "'"), `default-src 'none'; style-src ${cspHash(PAGE_STYLE + AUDIT_STYLE)}; script-src ${cspHash(PAGE_SCRIPT)}; base-uri 'none'; form-action 'none'`)
  t.ok(page.includes(`<style>${PAGE_STYLE + AUDIT_STYLE}</style>`), 'the hashed style is the page\u2019s style')
  t.ok(page.includes(`<script>${PAGE_SCRIPT}</script>`))
  t.notMatch(page, /\s(src|href|style|on[a-z]+)=/i, 'no attribute that loads, links, styles or runs')
  t.equal(page.match(/<script/g)!.length, 2, 'the page data and the page script')
})

t.test('hostile names, versions, issuers, runners and registry stay text, in every place they appear', async (t) => {
  const input = hostileInput()
  const page = renderAuditHtml(input)
  t.equal(page.match(/<script/g)!.length, 2, 'no other script element')
  t.notMatch(page, /<img|<svg onload|<base|<iframe|<!--/i, 'no injected element or comment')
  const tags = [...page.replace(/<script>[\s\S]*?<\/script>/, '').matchAll(/<[a-z][^>]*>/gi)].map((m) => m[0].replace(/"[^"]*"/g, '""'))
  t.ok(tags.length > 100)
  t.same(tags.filter((tag) => /\s(on[a-z]+|style|src|href)=/i.test(tag)), [], 'no handler, style or URL attribute (every `<` and `"` of data is escaped: a `<` opens a real tag)')
  t.notMatch(page, /[\u001b\u202e]/, 'no raw control or bidirectional character')
  t.match(page, '&lt;img src=x onerror=&quot;window.__pwned=1&quot;&gt;HOSTILE-a13', 'the name escaped')
  t.match(page, '=HYPERLINK(&quot;https://evil.example/&quot;),&lt;/script&gt;&lt;script&gt;window.__pwned=1&lt;/script&gt;', 'the issuer escaped')
  t.match(page, '@SUM(1+1)&quot;&gt;&lt;svg onload=&quot;window.__pwned=1&quot;&gt;\\u{1b}[31m\\u{202e}', 'the runner escaped, its control characters visible')
  t.match(page, '2.0.0&quot;&gt;&lt;script&gt;', 'the version escaped')
  t.match(page, '<title>verify-deps audit: https://evil.example/&quot;&gt;&lt;base', 'the registry escaped in the title')
  t.match(page, `data-search="${'&lt;img src=x onerror=&quot;window.__pwned=1&quot;&gt;HOSTILE-a13'}"`, 'and in an attribute')
  // The embedded JSON still reads back to the hostile strings.
  const rows = pageData(page).tables[AUDIT_PACKAGE_TABLE_ID].rows
  t.ok(rows.some((r: any) => r.keys[0] === HOSTILE_PACKAGE))
  t.ok(rows.some((r: any) => r.keys[0] === '</script><!--never-recorded' && r.keys[2] === -2 && r.keys[3] === null), 'a package never recorded: no level, no share')
  t.ok(rows.some((r: any) => r.keys[0] === '-cmd|calc' && r.keys[2] === -1), 'a latest version not fetched')
  t.match(page, 'not recorded')
  t.match(page, 'not fetched')
  t.match(page, '1 package has no download figure')
  t.ok([HOSTILE_ISSUER, HOSTILE_RUNNER, HOSTILE_REGISTRY, HOSTILE_AUDIT_VERSION].every((s) => !page.includes(s)), 'no hostile string unescaped')
})

t.test('no records: the page says there is nothing, and still renders every section', async (t) => {
  const page = renderAuditHtml({ metrics: { ...hostileInput().metrics, population: { packages: 0, versions: 0, fetchFailed: 0 }, issuers: {}, monthly: [], continuity: { afterFirstProvenance: { versions: 0, provenance: 0 }, downgrades: [] } }, page: auditPage([], []) })
  t.match(page, 'No version has a publish time.')
  t.match(page, 'No verified provenance: no issuer.')
  t.match(page, 'No downgrade.')
  t.match(page, 'Packages (0)')
  t.notMatch(page, 'versions could not be fetched')
  t.match(page, '<text x="100" y="98" text-anchor="middle" class="donut-total">0</text>')
})

t.test('a long downgrade list is cut on the page, and says so', async (t) => {
  const input = hostileInput()
  const downgrades = Array.from({ length: MAX_DOWNGRADES_SHOWN + 3 }, (_, i) => ({ package: 'p', version: `1.0.${i}`, from: 'provenance' as const, to: 'none' as const }))
  const page = renderAuditHtml({ ...input, metrics: { ...input.metrics, continuity: { ...input.metrics.continuity, downgrades } } })
  t.match(page, `Continuity and downgrades (${MAX_DOWNGRADES_SHOWN + 3})`)
  t.match(page, `The first ${MAX_DOWNGRADES_SHOWN} of ${MAX_DOWNGRADES_SHOWN + 3}; the JSON report has them all.`)
  t.match(page, `<code>1.0.${MAX_DOWNGRADES_SHOWN - 1}</code>`)
  t.notMatch(page, `<code>1.0.${MAX_DOWNGRADES_SHOWN}</code>`)
  t.match(page, '<td>provenance</td><td>none verified</td>', 'levels by their labels')
  const odd = renderAuditHtml({ ...input, metrics: { ...input.metrics, continuity: { ...input.metrics.continuity, downgrades: [{ package: 'p', version: '1', from: 'constructor' as never, to: '<i>x</i>' as never }] } } })
  t.match(odd, '<td>constructor</td><td>&lt;i&gt;x&lt;/i&gt;</td>', 'a level that is not one is shown as text')
})

t.test('charts: round axis tops, percentages, an empty donut, unlabelled columns', async (t) => {
  t.same([0, 1, 2, 3, 5, 7, 67, 100, 101, 999].map(niceCeiling), [1, 1, 2, 4, 6, 8, 80, 100, 200, 1000])
  t.equal(percent(1, 3), '33.3%')
  t.equal(percent(0, 0), '—')
  const empty = donutChart('Empty', [{ label: 'a', value: 0, tone: 'pass' }], 'things').html
  t.match(empty, 'stroke-dasharray="0 439.82"')
  t.match(empty, '(—)')
  const half = donutChart('Half', [{ label: 'a', value: 1, tone: 'pass' }, { label: 'b', value: 1, tone: 'fail' }], 'x').html
  t.match(half, 'stroke-dasharray="219.91 219.91" stroke-dashoffset="0"')
  t.match(half, 'stroke-dasharray="219.91 219.91" stroke-dashoffset="-219.91"', 'the second segment starts where the first ends')
  const columns = stackedColumns('C', ['2026-01', '2026-02'], [{ label: 's', tone: 'info', values: [1, 0] }]).html
  t.equal(columns.match(/<rect/g)!.length, 1, 'a zero value draws nothing')
  t.match(columns, '>2026-01</text>', 'every label without labelOf')
  t.match(columns, '<title>2026-02: 0; s 0</title>')
  t.match(columns, '>0.5</text>', 'fractional ticks on a small axis')
  const none = stackedColumns('None', [], []).html
  t.match(none, 'from — to —')
})
