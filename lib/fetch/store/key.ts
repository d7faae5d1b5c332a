/**
 * The sealed store's key: 32 random bytes in a file of this user, kept OUTSIDE every cache folder, so
 * that whoever can write the cache (a dependency's postinstall writing into `~/.npm`, a CI cache
 * restored from another job or fork) cannot forge an entry that verifies: they would need the key too.
 *
 * Where: `$XDG_STATE_HOME/verify-deps/store.key`, else `~/.local/state/verify-deps/store.key` (on
 * Windows `%LOCALAPPDATA%\verify-deps\store.key`). The XDG "state" folder is for machine-local data
 * that is neither configuration (often synced or committed as dotfiles) nor cache (`~/.cache`, `~/.npm`:
 * what CI systems save and restore between jobs). A user must never put this folder in a shared CI
 * cache: with the key, anyone who can write the cache can seal what they like (docs/check.md).
 *
 * Created with O_CREAT|O_EXCL and mode 0600 in a 0700 folder. Used only when it is, without following
 * a symlink, a regular file of this user, mode 0600, exactly KEY_BYTES long; anything else turns the
 * sealed store off for the run with one notice (never an error: the store only saves time).
 */
import { randomBytes } from 'node:crypto'
import { closeSync, constants, fstatSync, mkdirSync, openSync, readSync, writeSync } from 'node:fs'
import { dirname, join } from 'node:path'

export const KEY_BYTES = 32
export const KEY_FILE_NAME = 'store.key'

/** The key, or why there is none: `notice` is for the user (a refused file), `reason` only for the log. */
export type StoreKey = { key: Buffer; file: string } | { notice: string } | { reason: string }

/** The default key file for an environment, or undefined when it names no home or state folder. */
export function defaultKeyFile(env: Readonly<Record<string, string | undefined>>, platform: NodeJS.Platform = process.platform): string | undefined {
  if (env.XDG_STATE_HOME) return join(env.XDG_STATE_HOME, 'verify-deps', KEY_FILE_NAME)
  if (platform === 'win32' && env.LOCALAPPDATA) return join(env.LOCALAPPDATA, 'verify-deps', KEY_FILE_NAME)
  if (env.HOME) return join(env.HOME, '.local', 'state', 'verify-deps', KEY_FILE_NAME)
  return undefined
}

/** Reads the key file, creating it when there is none. Never throws. */
export function loadStoreKey(file: string): StoreKey {
  const existing = readKeyFile(file)
  if (!('missing' in existing)) return existing
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 })
    const fd = openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0), 0o600)
    try {
      writeSync(fd, randomBytes(KEY_BYTES))
    } finally {
      closeSync(fd)
    }
  } catch (err) {
    // Another run created it first (EEXIST): read theirs.
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') return { reason: `cannot create ${file}: ${(err as Error).message}` }
  }
  const created = readKeyFile(file)
  return 'missing' in created ? { reason: `${file} vanished after it was created` } : created
}

function readKeyFile(file: string): StoreKey | { missing: true } {
  let fd: number
  try {
    // O_NOFOLLOW: a symlink is refused by open itself (ELOOP), so nothing can swap the file between a check and the read.
    fd = openSync(file, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0))
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return { missing: true }
    return refused(file, code === 'ELOOP' ? 'it is a symbolic link' : `it cannot be read (${code ?? String(err)})`)
  }
  try {
    const stat = fstatSync(fd)
    if (!stat.isFile()) return refused(file, 'it is not a regular file')
    const uid = process.getuid?.()
    if (uid !== undefined && stat.uid !== uid) return refused(file, `it belongs to user ${stat.uid}, not to this user (${uid})`)
    if (process.platform !== 'win32' && (stat.mode & 0o777) !== 0o600) return refused(file, `its mode is ${(stat.mode & 0o777).toString(8).padStart(4, '0')}, not 0600`)
    if (stat.size !== KEY_BYTES) return refused(file, `it is ${stat.size} bytes long, not ${KEY_BYTES}`)
    const key = Buffer.alloc(KEY_BYTES)
    if (readSync(fd, key, 0, KEY_BYTES, 0) !== KEY_BYTES) return refused(file, 'it could not be read whole')
    return { key, file }
  } finally {
    closeSync(fd)
  }
}

function refused(file: string, why: string): StoreKey {
  return { notice: `verification memo off: the key file ${file} is not used because ${why} (delete it to have a new one made, or make it a 0600 file of yours)` }
}
