/**
 * decodeBase64's fast path (padded standard base64 that re-encodes to itself) must accept and decode
 * exactly what the strict rules alone did: checked against those rules, kept here as the oracle.
 */
import t from 'tap'
import { decodeBase64 } from '../../lib/verify/sigstore/encoding.js'
import { SigstoreError } from '../../lib/verify/sigstore/errors.js'

// The strict rules without the fast path (lib/verify/sigstore/encoding.ts before it had one).
const BASE64_BODY = /^[A-Za-z0-9+/]*$|^[A-Za-z0-9\-_]*$/
function strict(value: string): Buffer | 'invalid' {
  const compact = value.replace(/[\r\n]/g, '')
  const body = compact.replace(/={1,2}$/, '')
  const padded = body.length !== compact.length
  if (!BASE64_BODY.test(body) || body.length % 4 === 1 || (padded && compact.length % 4 !== 0)) return 'invalid'
  return Buffer.from(body.replace(/-/g, '+').replace(/_/g, '/'), 'base64')
}

function ours(value: string): Buffer | 'invalid' {
  try {
    return decodeBase64(value, 'x', 'BUNDLE_MALFORMED')
  } catch (err) {
    if (err instanceof SigstoreError && err.code === 'BUNDLE_MALFORMED') return 'invalid'
    throw err
  }
}

t.test('the fast path agrees with the strict rules', async (t) => {
  let seed = 7
  const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff)
  const inputs = ['', '=', '==', 'QQ==', 'QR==', 'QQ', 'QQ=', 'Q', 'QUJD', 'QUJD\n', 'QU\nJD', 'Q UJD', 'QUJD====', '-_-_', '+/+/', '+_==', 'QUJD!!!']
  for (let i = 0; i < 400; i++) {
    const bytes = Buffer.alloc(rand() % 40)
    for (let j = 0; j < bytes.length; j++) bytes[j] = rand() & 0xff
    const std = bytes.toString('base64')
    inputs.push(std, std.replace(/=+$/, ''), bytes.toString('base64url'), `${std.slice(0, 4)}\n${std.slice(4)}`)
    // One character changed to anything printable.
    const chars = [...std]
    if (chars.length > 0) chars[rand() % chars.length] = String.fromCharCode(32 + (rand() % 95))
    inputs.push(chars.join(''))
  }
  for (const input of inputs) {
    const expected = strict(input)
    const actual = ours(input)
    if (expected === 'invalid') t.equal(actual, 'invalid', JSON.stringify(input))
    else t.ok(actual !== 'invalid' && actual.equals(expected), JSON.stringify(input))
  }
})
