/** lib/fetch/history.ts: the claims of an untrusted packument, and the locked version's release line of it. */
import t from 'tap'
import { claimedLevel, readPackumentHistory } from '../../lib/fetch/history.js'

const SLSA = { url: 'https://registry.test/-/npm/v1/attestations/x@1.0.0', provenance: { predicateType: 'https://slsa.dev/provenance/v1' } }
const SIGNED = [{ keyid: 'k', sig: 's' }]

t.test('claimedLevel: what the unsigned metadata claims', async (t) => {
  t.equal(claimedLevel({ dist: { attestations: SLSA, signatures: SIGNED }, _npmUser: { name: 'x', approver: { name: 'y' }, trustedPublisher: { id: 'github' } } }), 'approved')
  t.equal(claimedLevel({ dist: { attestations: SLSA }, _npmUser: { trustedPublisher: { id: 'github' } } }), 'trusted-publisher')
  t.equal(claimedLevel({ dist: { attestations: SLSA }, _npmUser: { name: 'x' } }), 'provenance')
  t.equal(claimedLevel({ dist: { attestations: SLSA } }), 'provenance', 'no _npmUser')
  t.equal(claimedLevel({ dist: { attestations: SLSA }, _npmUser: { approver: null, trustedPublisher: 'yes' } }), 'provenance', 'malformed publisher fields claim nothing more')
  t.equal(claimedLevel({ dist: { attestations: { url: 'u', provenance: { predicateType: 'https://in-toto.io/other' } }, signatures: SIGNED } }), 'signature', 'attestations without SLSA provenance: its signatures')
  t.equal(claimedLevel({ dist: { attestations: { url: 'u' }, signatures: SIGNED } }), 'signature')
  t.equal(claimedLevel({ dist: { signatures: [] } }), 'none', 'an empty signatures list')
  t.equal(claimedLevel({ dist: 'x', _npmUser: { trustedPublisher: { id: 'github' } } }), 'none', 'a trusted publisher alone claims nothing')
  t.equal(claimedLevel(null), 'none')
  t.equal(claimedLevel([]), 'none')
})

t.test('readPackumentHistory: the line before the locked version, or why there is none', async (t) => {
  const doc = {
    name: 'x',
    time: { created: '2024-12-01T00:00:00.000Z', '1.0.0': '2025-01-01T00:00:00.000Z', '1.1.0': '2025-01-02T00:00:00.000Z', '1.2.0': '2025-01-03T00:00:00.000Z', '2.0.0': '2025-01-04T00:00:00.000Z', '1.3.0': '2025-01-05T00:00:00.000Z' },
    versions: {
      '1.0.0': { dist: { integrity: 'sha512-a', signatures: SIGNED } },
      '1.1.0': { dist: { integrity: 'sha512-b', attestations: SLSA }, _npmUser: { trustedPublisher: { id: 'github' } } },
      '1.2.0': { dist: { integrity: 'sha512-c' } },
      '2.0.0': { dist: { integrity: 'sha512-d', attestations: SLSA } },
      '1.3.0': 'not a version document',
    },
  }
  t.same(readPackumentHistory(doc, '1.2.0'), {
    state: 'listed',
    count: 2,
    versions: [
      { version: '1.1.0', publishedAt: '2025-01-02T00:00:00.000Z', claimed: 'trusted-publisher', integrity: 'sha512-b' },
      { version: '1.0.0', publishedAt: '2025-01-01T00:00:00.000Z', claimed: 'signature', integrity: 'sha512-a' },
    ],
  }, 'same line, published before, most recent first')
  t.same(readPackumentHistory(doc, '1.3.0'), {
    state: 'listed',
    count: 3,
    versions: [
      { version: '1.1.0', publishedAt: '2025-01-02T00:00:00.000Z', claimed: 'trusted-publisher', integrity: 'sha512-b' },
      { version: '1.0.0', publishedAt: '2025-01-01T00:00:00.000Z', claimed: 'signature', integrity: 'sha512-a' },
    ],
  }, 'counted, but a version that claims nothing is never a candidate: not kept; a malformed locked version document does not matter here')
  t.same(readPackumentHistory(doc, '1.3.0', '2025-01-02'), {
    state: 'listed',
    count: 2,
    versions: [{ version: '1.1.0', publishedAt: '2025-01-02T00:00:00.000Z', claimed: 'trusted-publisher', integrity: 'sha512-b' }],
    since: '2025-01-02',
  }, 'from `since` on, and said so')
  t.same(readPackumentHistory(doc, '1.3.0', 'not a date'), { ...readPackumentHistory(doc, '1.3.0'), since: 'not a date' }, 'a `since` that is no date limits nothing')
  t.same(readPackumentHistory(doc, '2.0.0'), { state: 'listed', count: 0, versions: [] }, 'first of its line: a history with nothing in it')
  t.match(readPackumentHistory({ ...doc, time: undefined }, '1.2.0'), { state: 'unavailable', reason: /no publish times/ })
  t.match(readPackumentHistory({ ...doc, time: [] }, '1.2.0'), { state: 'unavailable', reason: /no publish times/ })
  t.match(readPackumentHistory({ ...doc, versions: undefined }, '1.2.0'), { state: 'unavailable', reason: /no version list/ })
  const untimed = { ...doc, versions: { ...doc.versions, '1.1.5': { dist: { integrity: 'sha512-untimed' } } } }
  t.match(readPackumentHistory(untimed, '1.1.5'), { state: 'unavailable', reason: /no publish time for 1\.1\.5/ })
  // A packument that drops the time of one version of the line (the one that set the level, say) cannot
  // place it before or after the locked one: unavailable, never "nothing above it".
  t.same(readPackumentHistory(untimed, '1.2.0'), { state: 'unavailable', reason: 'the packument has no publish time for another version of its release line (1.1.5)' })
  t.match(readPackumentHistory({ ...doc, time: { ...doc.time, '1.0.0': 'yesterday', '1.1.0': 'soon' } }, '1.2.0'), { state: 'unavailable', reason: /no publish time for 2 other versions of its release line \(1\.0\.0, 1\.1\.0\)/ })
  const many = { ...doc, versions: { ...doc.versions, '1.4.0': {}, '1.5.0': {}, '1.6.0': {}, '1.7.0': {} } }
  t.match(readPackumentHistory(many, '1.2.0'), { state: 'unavailable', reason: /4 other versions of its release line \(1\.4\.0, 1\.5\.0, 1\.6\.0, …\)$/ }, 'a later version without a time counts too: it cannot be placed')
  t.match(readPackumentHistory(untimed, '2.0.0'), { state: 'listed', count: 0 }, 'another line\'s missing time does not matter')
  t.match(readPackumentHistory({ ...doc, time: { '1.2.0': 'yesterday' } }, '1.2.0'), { state: 'unavailable', reason: /no publish time for 1\.2\.0/ })
  t.match(readPackumentHistory('x', '1.2.0'), { state: 'unavailable', reason: /not a JSON object/ })
})
