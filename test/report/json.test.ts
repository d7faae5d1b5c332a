import t from 'tap'
import { readFileSync } from 'node:fs'
import { FINDINGS } from '../../lib/findings.js'
import { formatReportJson, toJsonReport } from '../../lib/report/json.js'
import { formatReportReferenceMarkdown, formatReportSchemaJson } from '../../lib/report/report-doc.js'
import { IDENTITY_FIELDS, REPORT_JSON_SCHEMA } from '../../lib/report/report-schema.js'
import type { SignerIdentity } from '../../lib/model/facts.js'
import { buildReport, deepFreeze, facts, identity, location, NPM_KEYID, sampleReport, scopedWithIdentity, SLSA_V1 } from './fixtures.js'
import { validateJsonSchema } from '../helpers/json-schema.js'

const docs = (file: string) => readFileSync(new URL(`../../docs/${file}`, import.meta.url), 'utf8')
const schema = JSON.parse(docs('report.schema.json')) as Record<string, unknown>
const parse = (text: string) => JSON.parse(text) as Record<string, any>

t.test('the JSON report has exactly the public contract fields', async (t) => {
  const { main } = formatReportJson(sampleReport())
  t.ok(main.endsWith('}\n'))
  const json = parse(main)
  t.equal(json.schemaVersion, 1)
  t.same(json.tool, { name: 'verify-deps', version: '0.1.0' })
  t.same(json.summary, { total: 6, pass: 1, warn: 3, fail: 1, skipped: 1 })
  t.same(Object.keys(json).sort(), ['couldNotVerify', 'installScripts', 'notices', 'packages', 'project', 'registries', 'schemaVersion', 'summary', 'tool'])
  t.equal(json.installScripts, null, 'no package has install scripts')
  t.equal(json.packages.length, 6)
  for (const p of json.packages) {
    t.same(Object.keys(p).sort(), ['decision', 'evidence', 'findings', 'installScripts', 'integrity', 'locations', 'name', 'registry', 'rule', 'skipReason', 'source', 'trust', 'version'], `${p.name} package fields`)
    t.equal(p.trust, null, 'no trust gathered: null')
    t.same(Object.keys(p.evidence).sort(), ['integrity', 'origin', 'provenance', 'publish', 'publisher', 'signature'])
    t.hasOwnProps(p.evidence.signature, ['status', 'keyid'])
    t.hasOwnProps(p.evidence.provenance, ['status', 'predicateType', 'identity'])
    t.hasOwnProps(p.evidence.publish, ['status'])
    for (const f of p.findings) t.same(Object.keys(f).sort(), ['code', 'message', 'severity'])
  }
})

t.test('a failing package carries its findings, evidence and locations', async (t) => {
  const evil = parse(formatReportJson(sampleReport()).main).packages.find((p: any) => p.name === 'evil-pkg')
  t.equal(evil.version, '6.6.6')
  t.equal(evil.integrity, 'sha512-evil-pkg')
  t.equal(evil.decision, 'fail')
  t.same(evil.findings.map((f: any) => [f.code, f.severity]), [['SIGNATURE_INVALID', 'error'], ['ATTESTATION_INVALID', 'error']])
  t.same(evil.evidence.signature, { status: 'invalid', keyid: 'SHA256:bad' })
  t.match(evil.evidence.provenance, { status: 'invalid', predicateType: SLSA_V1, identity: null })
  t.same(evil.locations, [{ path: 'node_modules/evil-pkg', why: ['my-app', 'express@4.21.0', 'evil-pkg@6.6.6'], dev: false, optional: false, peer: false, workspace: null, alias: null, extraneous: false }])
})

t.test('the provenance identity and publisher are reported as observed', async (t) => {
  const built = toJsonReport(buildReport([scopedWithIdentity()])).packages[0]!
  t.same(built.evidence.provenance.identity, {
    issuer: 'https://token.actions.githubusercontent.com',
    subjectAlternativeName: 'https://github.com/acme/built/.github/workflows/release.yml@refs/tags/v2.1.0',
    repository: 'acme/built',
    workflow: '.github/workflows/release.yml',
    ref: 'refs/tags/v2.1.0',
    commit: '0123456789abcdef0123456789abcdef01234567',
    runner: 'github-hosted',
    trigger: 'push',
    sources: identity().sources,
  })
  t.same(built.evidence.publisher, { source: 'registry-metadata', name: 'GitHub Actions', trustedPublisher: { id: 'github', oidcConfigId: 'oidc-1' } })
  t.same(built.evidence.signature, { status: 'unsupported', keyid: null })
  t.same(built.evidence.publish, { status: 'verified', keyid: NPM_KEYID, signedAt: null })
})

t.test('a package without facts is "not-checked" everywhere, with its skip reason', async (t) => {
  const bundled = parse(formatReportJson(sampleReport()).main).packages.find((p: any) => p.name === 'bundled-dep')
  t.equal(bundled.decision, 'skipped')
  t.equal(bundled.skipReason, "bundled: covered by parent-pkg@2.0.0's tarball")
  t.equal(bundled.integrity, null)
  t.equal(bundled.registry, null)
  t.same(bundled.evidence, {
    integrity: { status: 'not-checked', registryIntegrity: null, tarball: null },
    signature: { status: 'not-checked', keyid: null },
    provenance: { status: 'not-checked', predicateType: null, signedAt: null, identity: null },
    publish: { status: 'not-checked', keyid: null, signedAt: null },
    publisher: null,
    origin: null,
  })
})

t.test('real reports validate against docs/report.schema.json', async (t) => {
  const reports = {
    sample: sampleReport({ notices: ['using embedded trust material'], couldNotVerify: true }),
    empty: buildReport([]),
    everyOptionalField: buildReport([everyFieldPackage()]),
    registries: sampleReport({
      registries: [
        { url: 'https://registry.npmjs.org/', keysSource: 'sigstore-tuf', keysFrom: 'Sigstore TUF target registry.npmjs.org/keys.json', packages: 4, verified: 3, couldNotVerify: false },
        { url: 'https://npm.acme.test/', keysSource: 'none', keysFrom: 'https://npm.acme.test/-/npm/v1/keys', packages: 1, verified: 0, couldNotVerify: true },
        { url: 'https://mirror.test/', keysSource: 'unavailable', keysFrom: null, packages: 0, verified: 0, couldNotVerify: false },
        { url: 'https://proxy.test/', keysSource: 'none', keysFrom: 'https://proxy.test/-/npm/v1/keys', packages: 3, verified: 0, couldNotVerify: false, unsigned: 3, signedWithoutKeys: 3 },
      ],
    }),
  }
  for (const [name, report] of Object.entries(reports)) {
    t.same(validateJsonSchema(schema, parse(formatReportJson(report).main)), [], name)
  }
})

t.test('the schema rejects reports that break the contract', async (t) => {
  const valid = () => parse(formatReportJson(sampleReport()).main)
  const mutations: Record<string, (r: any) => void> = {
    'unknown decision': (r) => (r.packages[0].decision = 'maybe'),
    'unknown finding code': (r) => (r.packages[2].findings[0].code = 'NOPE'),
    'missing evidence': (r) => delete r.packages[0].evidence,
    'keyid missing': (r) => delete r.packages[0].evidence.signature.keyid,
    'wrong schemaVersion': (r) => (r.schemaVersion = 2),
    'extra top-level field': (r) => (r.extra = true),
    'negative count': (r) => (r.summary.fail = -1),
    'unknown identity field': (r) => (r.packages[0].evidence.provenance.identity.sources.nope = 'certificate'),
  }
  for (const [name, mutate] of Object.entries(mutations)) {
    const report = valid()
    mutate(report)
    t.not(validateJsonSchema(schema, report).length, 0, name)
  }
})

t.test('docs/report.schema.json and docs/report.md are generated from the code and up to date', async (t) => {
  t.equal(docs('report.schema.json'), formatReportSchemaJson(), 'regenerate docs/report.schema.json (lib/report/report-doc.ts)')
  t.equal(docs('report.md'), formatReportReferenceMarkdown(), 'regenerate docs/report.md (lib/report/report-doc.ts)')
  const defs = REPORT_JSON_SCHEMA.$defs as Record<string, any>
  t.same(defs.finding.properties.code.enum, Object.keys(FINDINGS), 'finding codes come from the registry')
  t.same(defs.identity.properties.sources.propertyNames.enum, Object.keys(IDENTITY_FIELDS), "identity fields come from the code")
  // Every field JSON output can carry is documented: the schema forbids unknown ones, and this
  // package sets every optional field.
  const documented = JSON.stringify(formatReportReferenceMarkdown())
  for (const field of Object.keys(everyFieldPackage().facts!.provenance.identity!)) if (field !== 'sources') t.match(documented, `\`${field}\``, field)
})

t.test('every field docs/report.schema.json describes is one the code writes', async (t) => {
  // Validation (above) proves the output holds no field the schema lacks; this proves the converse,
  // so the schema cannot describe a field the code no longer writes.
  const report = buildReport([everyFieldPackage()], {
    project: { root: '/work', lockfile: '', lockfileFormat: 'pnpm', policy: '/work/policy.yaml', tarball: '/work/pkg-1.0.0.tgz', settings: [{ key: 'omit', value: ['dev'], from: 'omit (/work/.npmrc)' }] },
    notices: ['n'],
    registries: [
      {
        url: 'https://mirror.test/',
        keysSource: 'pinned',
        keysFrom: 'keys.json',
        packages: 1,
        verified: 1,
        couldNotVerify: false,
        upstream: 'https://registry.npmjs.org/',
        fromUpstream: 1,
        unsigned: 0,
        signedWithoutKeys: 0,
        diagnosis: { kind: 'unsigned', message: 'm', fixes: ['f'] },
      },
    ],
    installScripts: {
      rules: 'npm12',
      npmVersion: '12.2.2',
      reason: 'r',
      settings: { ignoreScripts: { value: false, from: 'default' }, dangerouslyAllowAllScripts: { value: false, from: 'default' }, strictAllowScripts: { value: true, from: '.npmrc' } },
      allowScripts: { source: 'package.json', file: '/work/package.json', ignored: ['i'] },
    },
  })
  const json = parse(formatReportJson(report).main)
  t.ok(validateJsonSchema(schema, json).length === 0, 'valid')
  const written = new Set<string>()
  const walkJson = (value: unknown, path: string) => {
    if (Array.isArray(value)) value.forEach((v) => walkJson(v, `${path}[]`))
    else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) walkJson(v, (written.add(path ? `${path}.${k}` : k), path ? `${path}.${k}` : k))
  }
  walkJson(json, '')
  const defs = schema.$defs as Record<string, any>
  const described: string[] = []
  const walkSchema = (node: any, path: string) => {
    if (node.$ref) return walkSchema(defs[String(node.$ref).replace('#/$defs/', '')], path)
    for (const alt of node.oneOf ?? []) walkSchema(alt, path)
    if (node.items) walkSchema(node.items, `${path}[]`)
    for (const [k, prop] of Object.entries(node.properties ?? {})) {
      const field = path ? `${path}.${k}` : k
      described.push(field)
      walkSchema(prop, field)
    }
  }
  walkSchema(schema, '')
  t.ok(described.length > 50)
  for (const field of described) t.ok(written.has(field), `${field} is written`)
})

t.test('a package whose trust was gathered carries it: level, publish time, the version compared with, the baseline', async (t) => {
  const json = toJsonReport(buildReport([everyFieldPackage()]))
  t.same(json.packages[0]!.trust, {
    level: 'signature',
    publishedAt: { at: '2026-03-31T00:21:00Z', source: 'registry' },
    historyState: 'checked',
    history: { level: 'trusted-publisher', version: '1.14.0', publishedAt: '2026-03-27T10:00:00Z' },
    baseline: { line: '2', level: 'trusted-publisher', version: '2.0.0', identity: { issuer: 'i', repository: 'r', repositoryId: '1', workflow: 'w', trigger: 'release', refKind: 'tag', runner: 'github-hosted' } },
  })
  const bare = toJsonReport(buildReport([{ ...everyFieldPackage(), trust: { level: 'none' as const, publishedAt: null, historyState: 'not-checked' as const, history: null, baseline: { line: '1', level: 'none' as const, version: '1.0.0' } } }]))
  t.same(bare.packages[0]!.trust, { level: 'none', publishedAt: null, historyState: 'not-checked', history: null, baseline: { line: '1', level: 'none', version: '1.0.0' } })
  t.same(validateJsonSchema(schema, JSON.parse(JSON.stringify(bare))), [], 'valid')
})

t.test('does not modify the report', async (t) => {
  t.doesNotThrow(() => formatReportJson(deepFreeze(sampleReport())))
})

t.test('the identity is written with the known fields only, sources first and then the schema\'s order, as the plain rule writes it', async (t) => {
  const fields = Object.keys(IDENTITY_FIELDS) as (keyof typeof IDENTITY_FIELDS)[]
  // The rule as first written: each known field that is a string, each source that is given, in the schema's order.
  const plain = (identity: Record<string, unknown>) => {
    const out: Record<string, unknown> = { sources: {} }
    const sources = (identity.sources ?? {}) as Record<string, unknown>
    for (const field of fields) {
      if (typeof identity[field] === 'string') out[field] = identity[field]
      if (sources[field]) (out.sources as Record<string, unknown>)[field] = sources[field]
    }
    return out
  }
  const written = (identity: unknown) => JSON.stringify(toJsonReport(buildReport([{ ...scopedWithIdentity(), facts: facts('@acme/built', '2.1.0', { provenance: { status: 'verified' as const, predicateType: SLSA_V1, identity: identity as SignerIdentity } }) }])).packages[0]!.evidence.provenance.identity)
  const full: Record<string, unknown> = { extra: 'not in the schema', sources: { extra: 'certificate' } }
  // Given in reverse, as an object from the memo may hold them: written in the schema's order all the same.
  for (const f of [...fields].reverse()) {
    full[f] = `value of ${f}`
    ;(full.sources as Record<string, unknown>)[f] = 'certificate'
  }
  t.same(Object.keys(JSON.parse(written(full))), ['sources', ...fields])
  t.same(Object.keys(JSON.parse(written(full)).sources), fields)
  const odd = { issuer: 'i', repository: 7, ref: null, commit: '', runner: { a: 1 }, sources: { issuer: 'certificate', ref: '', commit: 0, runner: 'predicate', trigger: 3 } }
  // Each field on its own: a string and a source, a non-string and a falsy source.
  const each = fields.flatMap((f) => [{ [f]: `v-${f}`, sources: { [f]: 'certificate' } }, { [f]: 5, sources: { [f]: '' } }])
  for (const identity of [full, odd, { issuer: 'only' }, {}, ...each]) t.equal(written(identity), JSON.stringify(plain(identity)), JSON.stringify(identity))
})

/** A package with every optional model field set. */
function everyFieldPackage() {
  const fields = Object.keys(IDENTITY_FIELDS) as (keyof typeof IDENTITY_FIELDS)[]
  const full = { sources: {} } as SignerIdentity
  for (const f of fields) {
    full[f] = `value of ${f}`
    full.sources[f] = 'certificate'
  }
  return {
    ...scopedWithIdentity(),
    locations: [location([], { path: 'node_modules/x', workspace: 'packages/a', alias: 'y', extraneous: true, dev: true, optional: true, peer: true })],
    facts: facts('@acme/built', '2.1.0', {
      integrity: { status: 'mismatch' as const, integrity: 'sha512-a', registryIntegrity: 'sha512-b', tarball: 'mismatch' as const },
      provenance: { status: 'verified' as const, predicateType: SLSA_V1, bundleMediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json', signedAt: '2025-01-01T00:00:00Z', identity: full },
      publish: { status: 'verified' as const, keyid: NPM_KEYID, signedAt: '2025-01-01T00:00:00Z' },
      publisher: { source: 'registry-metadata' as const, name: 'n', email: 'e', trustedPublisher: { id: 'github', oidcConfigId: 'c' }, approver: { name: 'a', email: 'b' } },
      origin: { registry: 'https://registry.npmjs.org/', role: 'upstream' as const, keys: 'https://registry.npmjs.org/' },
    }),
    installScripts: { willRun: true, reason: 'r', allowScripts: 'unreviewed' as const, matched: ['m'], pinnedElsewhere: ['@acme/built@2.0.0'], rules: 'npm11' as const, verified: { provenance: false, trustedPublisher: false } },
    trust: {
      level: 'signature' as const,
      publishedAt: { at: '2026-03-31T00:21:00Z', source: 'registry' as const },
      historyState: 'checked' as const,
      history: { level: 'trusted-publisher' as const, version: '1.14.0', publishedAt: '2026-03-27T10:00:00Z' },
      baseline: { line: '2', level: 'trusted-publisher' as const, version: '2.0.0', identity: { issuer: 'i', repository: 'r', repositoryId: '1', workflow: 'w', trigger: 'release', refKind: 'tag', runner: 'github-hosted' } },
    },
  }
}
