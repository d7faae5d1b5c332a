/**
 * The two tools as the bench runs them, each a fresh process per round, and the proof after every
 * run that it really verified the world: verify-deps must decide every package (and decide it the
 * same way every run), npm must report the world's exact signature and attestation counts and have
 * read the loopback TUF repository.
 */
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { measure, type Measured } from './measure.js'
import { parseNpmAuditSignatures } from './npm-audit-output.js'
import { readVerdicts, type Verdicts } from './verdicts.js'
import type { World } from './world.js'

const BIN = fileURLToPath(new URL('../bin/verify-deps.js', import.meta.url))
const TUF_PRELOAD = fileURLToPath(new URL('./npm-sigstore-tuf.cjs', import.meta.url))

export type RunKind = 'cold' | 'warm'

export interface Contender {
  name: string
  /** Empties every cache the tool keeps between runs (before each cold run). */
  clearCaches(): void
  run(): Promise<Measured>
  /** Throws unless the run verified the world. */
  check(run: Measured, kind: RunKind): void
}

export class VerifyDepsContender implements Contender {
  readonly name = 'verify-deps'
  readonly verdicts: { label: string; verdicts: Verdicts }[] = []
  readonly #world: World
  readonly #env: NodeJS.ProcessEnv
  readonly #cacheDir: string

  constructor(world: World, env: NodeJS.ProcessEnv) {
    this.#world = world
    this.#env = env
    this.#cacheDir = join(world.scenario.dir, 'verify-deps-cache')
  }

  clearCaches(): void {
    // The verification cache and npm's HTTP cache (npm-registry-fetch keeps one in npm's cache dir).
    rmSync(this.#cacheDir, { recursive: true, force: true })
    rmSync(this.#env.npm_config_cache!, { recursive: true, force: true })
  }

  run(): Promise<Measured> {
    const s = this.#world.scenario
    // Not --offline: that means no network at all, and a cold cache would verify nothing.
    const args = [BIN, s.projectDir, '--trusted-root', s.trustedRootFile, '--cache-dir', this.#cacheDir, '--json']
    return measure(process.execPath, args, { cwd: s.projectDir, env: this.#env })
  }

  check(m: Measured, kind: RunKind): void {
    // 0: nothing failed; 1: some package failed (the world's unsigned ones may, per the default policy).
    if (m.status !== 0 && m.status !== 1) {
      throw new Error(`verify-deps ${kind} exited ${String(m.status ?? m.signal)}:\n${m.stderr.slice(0, 4000)}${m.stdout.slice(0, 2000)}`)
    }
    this.verdicts.push({ label: `${kind} run ${this.verdicts.length + 1}`, verdicts: readVerdicts(m.stdout, this.#world.expected.length) })
  }
}

export class NpmAuditContender implements Contender {
  readonly name = 'npm audit signatures'
  readonly #world: World
  readonly #env: NodeJS.ProcessEnv
  readonly #cacheDir: string
  #tufBefore = 0

  constructor(world: World, env: NodeJS.ProcessEnv) {
    this.#world = world
    this.#cacheDir = join(world.scenario.dir, 'npm-audit-cache')
    this.#env = {
      ...env,
      // npm's cache holds its HTTP cache (_cacache) and its TUF cache (_tuf).
      npm_config_cache: this.#cacheDir,
      VERIFY_DEPS_BENCH_TUF_MIRROR: world.tuf.url,
      VERIFY_DEPS_BENCH_TUF_ROOT: world.tufRootFile,
    }
  }

  clearCaches(): void {
    rmSync(this.#cacheDir, { recursive: true, force: true })
  }

  run(): Promise<Measured> {
    this.#tufBefore = this.#world.tuf.requests.length
    return measure('npm', ['audit', 'signatures'], { cwd: this.#world.scenario.projectDir, env: this.#env, preload: [TUF_PRELOAD] })
  }

  check(m: Measured, kind: RunKind): void {
    const world = this.#world
    const output = `${m.stdout}${m.stderr}`.slice(0, 4000)
    if (m.status !== 0 && m.status !== 1) throw new Error(`npm audit signatures ${kind} exited ${String(m.status ?? m.signal)}:\n${output}`)
    const summary = parseNpmAuditSignatures(m.stdout)
    const signed = world.expected.filter((p) => p.signed).length
    const attested = world.expected.filter((p) => p.provenance).length
    const unsigned = world.expected.filter((p) => !p.signed).map((p) => `${p.name}@${p.version}`).sort()
    const problems = [
      summary.audited !== world.expected.length && `audited ${summary.audited}, the world has ${world.expected.length}`,
      summary.verifiedSignatures !== signed && `${summary.verifiedSignatures} verified signatures, expected ${signed}`,
      summary.verifiedAttestations !== attested && `${summary.verifiedAttestations} verified attestations, expected ${attested}`,
      summary.invalid.length > 0 && `invalid: ${summary.invalid.join(', ')}`,
      JSON.stringify([...summary.missingSignatures].sort()) !== JSON.stringify(unsigned) &&
        `missing signatures ${summary.missingSignatures.join(', ')}, expected ${unsigned.join(', ')}`,
      kind === 'cold' && world.tuf.requests.length === this.#tufBefore && 'it never asked the loopback TUF repository (preload not applied?)',
    ].filter(Boolean)
    if (problems.length) throw new Error(`npm audit signatures ${kind} did not verify the world: ${problems.join('; ')}\n${output}`)
  }
}
