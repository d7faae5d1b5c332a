// lib/cli/output-file.ts: a file written whole or not at all, every failure EOUTPUT naming it, no temporary file left behind.
import t from 'tap'
import { mkdirSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { VerifyDepsError } from '../../lib/errors.js'
import { openFileAtomic, writeFileAtomic } from '../../lib/cli/output-file.js'

const outputError = (path: string) => ({ constructor: VerifyDepsError, code: 'EOUTPUT', message: new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: cannot be written: E[A-Z]+$`) })

t.test('written whole, in pieces or at once', async (t) => {
  const dir = t.testdir({})
  writeFileAtomic(join(dir, 'a.txt'), 'one')
  const file = openFileAtomic(join(dir, 'b.txt'))
  file.write('two ')
  t.same(readdirSync(dir).sort(), ['a.txt', `b.txt.${process.pid}.tmp`], 'not in place before commit')
  file.write('pieces')
  file.commit()
  file.abandon()
  t.equal(readFileSync(join(dir, 'a.txt'), 'utf8'), 'one')
  t.equal(readFileSync(join(dir, 'b.txt'), 'utf8'), 'two pieces')
  t.same(readdirSync(dir).sort(), ['a.txt', 'b.txt'])
})

t.test('failures: EOUTPUT naming the file, nothing left behind', async (t) => {
  const dir = t.testdir({})
  const missing = join(dir, 'no-such-dir', 'x.txt')
  t.throws(() => writeFileAtomic(missing, 'x'), outputError(missing), 'a folder that does not exist')
  const folder = join(dir, 'taken')
  mkdirSync(folder)
  t.throws(() => writeFileAtomic(folder, 'x'), outputError(folder), 'a folder in the way of the rename')
  const abandoned = openFileAtomic(join(dir, 'c.txt'))
  abandoned.write('half')
  abandoned.abandon()
  t.same(readdirSync(dir), ['taken'], 'no temporary file, no half file')
})
