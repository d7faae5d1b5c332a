import { readFileSync } from 'node:fs'
import { inputError } from './errors.js'

/** Reads a file the user named; a missing or unreadable file is an input error naming it. */
export function readInputFile(path: string, what: string): Buffer {
  try {
    return readFileSync(path)
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message
    throw inputError('EINPUTFILE', `${path}: cannot read ${what}: ${reason}`)
  }
}

/** Reads and parses a JSON file; bad JSON is an input error naming the file and the position. */
export function readJSONFile(path: string, what: string): unknown {
  const text = readInputFile(path, what).toString('utf8')
  try {
    return JSON.parse(text)
  } catch (err) {
    throw inputError('EJSONPARSE', `${path}: ${what} is not valid JSON: ${(err as Error).message}`)
  }
}
