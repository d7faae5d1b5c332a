// The sealed store's key file (lib/fetch/store/key.ts): made once, 0600, outside the cache; used
// only when it is a regular 0600 file of this user of the right size, else refused with a notice.
import t from 'tap'
import { chmodSync, chownSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { defaultKeyFile, KEY_BYTES, loadStoreKey } from '../../../lib/fetch/store/key.js'

t.test('the key lives in the XDG state folder, else under HOME, never without either', async (t) => {
  t.equal(defaultKeyFile({ XDG_STATE_HOME: '/s', HOME: '/h' }, 'linux'), join('/s', 'verify-deps', 'store.key'))
  t.equal(defaultKeyFile({ HOME: '/h' }, 'linux'), join('/h', '.local', 'state', 'verify-deps', 'store.key'))
  t.equal(defaultKeyFile({ LOCALAPPDATA: 'C:/l', HOME: '/h' }, 'win32'), join('C:/l', 'verify-deps', 'store.key'))
  t.equal(defaultKeyFile({}, 'linux'), undefined)
})

t.test('a missing key is made: 32 random bytes, mode 0600, in a 0700 folder, and read back the same', async (t) => {
  const dir = t.testdir()
  const file = join(dir, 'state', 'verify-deps', 'store.key')
  const made = loadStoreKey(file)
  if (!('key' in made)) throw new Error(JSON.stringify(made))
  t.equal(made.key.length, KEY_BYTES)
  t.equal(statSync(file).mode & 0o777, 0o600)
  t.equal(statSync(join(dir, 'state', 'verify-deps')).mode & 0o777, 0o700)
  const again = loadStoreKey(file)
  t.ok('key' in again && again.key.equals(made.key), 'the same key on the next run')
  const other = loadStoreKey(join(dir, 'other', 'store.key'))
  t.ok('key' in other && !other.key.equals(made.key), 'another file, another key')
})

t.test('a key file that is not a private regular file of this user is refused with a notice naming it', async (t) => {
  const dir = t.testdir({ target: 'x'.repeat(KEY_BYTES) })
  const file = join(dir, 'store.key')
  const cases: Record<string, { make: () => void; why: RegExp }> = {
    'mode 0644': { make: () => writeFileSync(file, Buffer.alloc(KEY_BYTES), { mode: 0o644 }), why: /mode is 0644/ },
    'a symbolic link': { make: () => symlinkSync(join(dir, 'target'), file), why: /symbolic link/ },
    'a folder': { make: () => mkdirSync(file), why: /not a regular file/ },
    'too short': { make: () => writeFileSync(file, Buffer.alloc(KEY_BYTES - 1), { mode: 0o600 }), why: /31 bytes long/ },
  }
  if (process.getuid?.() === 0) {
    cases['owned by another user'] = {
      make: () => {
        writeFileSync(file, Buffer.alloc(KEY_BYTES), { mode: 0o600 })
        chownSync(file, 4321, 4321)
      },
      why: /belongs to user 4321/,
    }
  }
  for (const [what, { make, why }] of Object.entries(cases)) {
    rmSync(file, { recursive: true, force: true })
    make()
    if (what === 'mode 0644') chmodSync(file, 0o644)
    const result = loadStoreKey(file)
    t.notOk('key' in result, `${what}: no key`)
    t.ok('notice' in result, `${what}: a notice`)
    if ('notice' in result) {
      t.match(result.notice, why, `${what}: says why`)
      t.match(result.notice, file, `${what}: names the file`)
    }
    if (what === 'a symbolic link') t.equal(readFileSync(join(dir, 'target'), 'utf8'), 'x'.repeat(KEY_BYTES), 'the link target is untouched')
  }
})

t.test('a key that cannot be made turns the store off without a notice', async (t) => {
  const dir = t.testdir({ blocker: 'a file where the folder should be' })
  const result = loadStoreKey(join(dir, 'blocker', 'verify-deps', 'store.key'))
  t.ok('reason' in result, 'a reason for the log')
  t.notOk('key' in result)
})
