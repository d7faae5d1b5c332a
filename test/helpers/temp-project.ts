import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Test } from 'tap'

/**
 * A fresh project folder (`<dir>/project` holding `packageJson`) each call, removed after the test
 * (t.testdir would give one test the same folder twice). `dir` has room for a home folder beside it.
 */
export function tempProject(t: Test, packageJson: string): { dir: string; projectDir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'verify-deps-setup-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const projectDir = join(dir, 'project')
  mkdirSync(projectDir)
  writeFileSync(join(projectDir, 'package.json'), packageJson)
  return { dir, projectDir }
}
