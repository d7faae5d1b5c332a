// The registry of run errors (lib/errors.ts): every code is complete, and the registry, not the
// thrower, decides how a run stopped by it ends.
import t from 'tap'
import { readdirSync, readFileSync } from 'node:fs'
import { ERRORS, VerifyDepsError, inputError, isErrorCode, type ErrorCode } from '../lib/errors.js'
import { PolicyFileError } from '../lib/policy/errors.js'
import { TreeError } from '../lib/tree/index.js'

t.test('every registered code is an E-style code with a kind, a one-line summary and a fix', async (t) => {
  const codes = Object.keys(ERRORS) as ErrorCode[]
  t.ok(codes.length >= 30, `${codes.length} codes`)
  for (const code of codes) {
    const def = ERRORS[code]
    t.match(code, /^E[A-Z]+$/, code)
    t.ok(def.kind === 'usage' || def.kind === 'could-not-verify', `${code}: kind`)
    t.ok(def.summary.length > 10 && !def.summary.includes('\n'), `${code}: one-line summary`)
    t.ok(def.fix.length > 10 && !def.fix.includes('\n'), `${code}: one-line fix`)
  }
})

t.test('isErrorCode accepts registered codes only', async (t) => {
  t.ok(isErrorCode('EPOLICY'))
  t.notOk(isErrorCode('EFOO'))
  t.notOk(isErrorCode('toString'), 'not an inherited property')
  t.notOk(isErrorCode(undefined))
})

t.test('an error takes its kind from the registry, whoever throws it', async (t) => {
  t.equal(new VerifyDepsError('EREGISTRYKEYS', 'x').kind, 'could-not-verify')
  t.equal(new VerifyDepsError('EREGISTRYKEYSFILE', 'x').kind, 'usage', 'a keys file the user named is a usage error')
  t.equal(new TreeError('EIDEALTREE', 'x').kind, 'could-not-verify', 'resolving from the registry failed')
  t.equal(new TreeError('ENOLOCK', 'x').kind, 'usage')
  t.equal(inputError('EUSAGE', 'x', 'hint').hint, 'hint')
  t.equal(inputError('EUSAGE', 'x').hint, undefined)
})

t.test('error classes share one base and carry a registered code', async (t) => {
  const policy = new PolicyFileError({ file: 'p.yaml', path: 'rules[0]', line: 3, column: 5, reason: 'bad' })
  t.type(policy, VerifyDepsError)
  t.equal(policy.code, 'EPOLICY')
  t.equal(policy.name, 'PolicyFileError', 'not @sigstore/verify\'s PolicyError')
  t.equal(policy.message, 'p.yaml:3:5: rules[0]: bad')
  const tree = new TreeError('ELOCKSYNC', 'lock', { file: '/p/package-lock.json', hint: 'h', cause: new Error('c') })
  t.type(tree, VerifyDepsError)
  t.match(tree, { code: 'ELOCKSYNC', file: '/p/package-lock.json', hint: 'h', name: 'TreeError' })
  t.equal((tree.cause as Error).message, 'c')
})

t.test('every registered code is thrown somewhere in lib/ (the registry documents no dead codes)', async (t) => {
  const root = new URL('../lib/', import.meta.url)
  const sources = (readdirSync(root, { recursive: true }) as string[])
    .filter((f) => f.endsWith('.ts') && f !== 'errors.ts' && !f.endsWith('errors-doc.ts'))
    .map((f) => readFileSync(new URL(f, root), 'utf8'))
    .join('\n')
  for (const code of Object.keys(ERRORS)) t.ok(sources.includes(`'${code}'`), `${code} is used`)
})
