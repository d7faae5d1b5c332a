/**
 * A generated registry population for the audit (issue 13): seeded (test/fuzz/prng.ts), N packages
 * of 1–30 versions published over 2022–2026, with a realistic mix. Every version is declared as
 * scenario knobs (PackageSpec, for createScenario) and the generator remembers which knobs it chose
 * (GeneratedVersion): the truth (truth.ts) is computed from those, never by running the verifier.
 *
 * The mix, per package unless said otherwise:
 * - every version signed by the registry, but a few (per version) unsigned or badly signed;
 * - some packages adopt provenance, on a date after npm shipped it (2023-04-19): the share of
 *   packages publishing with provenance grows with time; after adoption a version still drops
 *   it now and then (a downgrade, as the check's TRUST_DOWNGRADE sees it);
 * - of the adopters, some move to trusted publishing (`_npmUser.trustedPublisher`) after it shipped
 *   (2025-07-31), and some of those to staged publishing with an approver (after 2025-10-01);
 * - of the adopters, some build on self-hosted runners, some on GitLab (issuer https://gitlab.com;
 *   the test PKI's certificates are GitHub-shaped otherwise: only the issuer tells them apart);
 * - per provenance version, a few invalid bundles (tampered payload, untrusted CA, wrong subject
 *   digest) and a few tampered publish attestations;
 * - per version with attestations, a few whose attestations endpoint always fails (503): the
 *   version cannot be fetched (FETCH_FAILED), whatever else it carries; and a few whose endpoint
 *   answers 429 (`Retry-After: 0`) once: a client that honours it and retries gets the real answer
 *   (the truth does not change);
 * - release lines: versions climb by patch, minor and major; before some majors, prereleases
 *   (`X.0.0-beta.N`, tagged `next`); `latest` is the last stable version published.
 */
import { createRng, type Rng } from '../../fuzz/prng.js'
import type { FaultRule, NpmUser } from '../registry/index.js'
import type { PackageSpec, ProvenanceFault } from '../scenario/index.js'

export const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com'
export const GITLAB_ISSUER = 'https://gitlab.com'

/** npm provenance became generally available on 2023-04-19; trusted publishing on 2025-07-31. */
export const PROVENANCE_SINCE = new Date('2023-04-19T00:00:00.000Z')
export const TRUSTED_PUBLISHING_SINCE = new Date('2025-07-31T00:00:00.000Z')
export const APPROVER_SINCE = new Date('2025-10-01T00:00:00.000Z')

export const DEFAULT_POPULATION_FROM = new Date('2022-01-01T00:00:00.000Z')
export const DEFAULT_POPULATION_TO = new Date('2026-11-01T00:00:00.000Z')
export const DEFAULT_POPULATION_PACKAGES = 2000
export const DEFAULT_MAX_VERSIONS = 30

/** Probabilities of the mix (see the module comment for what each applies to). */
export interface PopulationMix {
  /** Per version: `dist.signatures` absent. */
  signatureMissing: number
  /** Per version: a signature over another integrity. */
  signatureInvalid: number
  /** Per package: adopts provenance (on a date between PROVENANCE_SINCE and the end). */
  provenanceAdoption: number
  /** Per version after adoption: published without provenance all the same. */
  provenanceDrop: number
  /** Per provenance version: an invalid bundle. */
  provenanceInvalid: number
  /** Per provenance version: a tampered publish attestation. */
  publishAttestationInvalid: number
  /** Per adopter: moves to trusted publishing. */
  trustedPublishing: number
  /** Per trusted publisher: moves to staged publishing with an approver. */
  approver: number
  /** Per adopter: self-hosted runners. */
  selfHosted: number
  /** Per adopter: builds on GitLab. */
  gitlab: number
  /** Per version with attestations: its attestations endpoint always fails. */
  fetchFault: number
  /** Per other version with attestations: its attestations endpoint rate-limits the first request. */
  transientFault: number
  /** Per major bump: prereleases first. */
  prerelease: number
}

export const DEFAULT_POPULATION_MIX: PopulationMix = {
  signatureMissing: 0.02,
  signatureInvalid: 0.01,
  provenanceAdoption: 0.45,
  provenanceDrop: 0.06,
  provenanceInvalid: 0.03,
  publishAttestationInvalid: 0.01,
  trustedPublishing: 0.5,
  approver: 0.25,
  selfHosted: 0.1,
  gitlab: 0.08,
  fetchFault: 0.01,
  transientFault: 0.02,
  prerelease: 0.3,
}

export interface PopulationOptions {
  seed: number
  packages?: number
  /** Versions per package: 1 to this (default 30), most packages few. */
  maxVersions?: number
  from?: Date
  to?: Date
  mix?: Partial<PopulationMix>
}

/** The knobs chosen for one version: what truth.ts computes the expected statuses from. */
export interface GeneratedVersion {
  name: string
  version: string
  /** The release line, as the generator climbed it: `2` (≥ 1.0.0), `0.3`, `3.0.0-beta` (prereleases). */
  line: string
  prerelease: boolean
  /** Registry time (ISO 8601); strictly increasing within a package. */
  publishedAt: string
  signature: 'valid' | 'missing' | 'invalid'
  /** `none`: published without provenance. */
  provenance: 'none' | 'valid' | ProvenanceFault
  publishAttestation: 'valid' | 'tampered' | 'missing'
  /** With provenance only: the issuer and runner the certificate names. */
  issuer?: string
  runner?: 'github-hosted' | 'self-hosted'
  trustedPublisher: boolean
  approver: boolean
  /** The attestations endpoint fails for it, always (a fault rule). */
  fetchFault: boolean
  /** The attestations endpoint answers its first request 429 with `Retry-After: 0` (a fault rule, once). */
  transientFault: boolean
}

export interface GeneratedPackage {
  name: string
  /** `dist-tags.latest`: the last stable version published. */
  latest: string
  versions: GeneratedVersion[]
}

export interface Population {
  seed: number
  /** The end of the publishing window: use it as the scenario's `now` (the test PKI's clock). */
  now: Date
  packages: GeneratedPackage[]
  /**
   * Every version, for createScenario, in publish order across the whole population (registry time;
   * ties by package order): the registry's `_changes` feed and the test Sigstore's log then list
   * them in the order they were published, as the real ones do.
   */
  specs: PackageSpec[]
  /** Weekly downloads by package name (`--downloads`): heavy-tailed; about one package in ten has no figure. */
  downloads: Record<string, number>
  /** Add these to the registry after createScenario: the fetch faults, lasting and transient. */
  faults: FaultRule[]
}

const INVALID_BUNDLES: readonly ProvenanceFault[] = ['tampered', 'untrusted-ca', 'wrong-subject-digest']

export function generatePopulation(options: PopulationOptions): Population {
  const rng = createRng(options.seed)
  const mix = { ...DEFAULT_POPULATION_MIX, ...options.mix }
  const from = (options.from ?? DEFAULT_POPULATION_FROM).getTime()
  const to = (options.to ?? DEFAULT_POPULATION_TO).getTime()
  const count = options.packages ?? DEFAULT_POPULATION_PACKAGES
  const maxVersions = options.maxVersions ?? DEFAULT_MAX_VERSIONS
  const width = String(count).length

  const packages: GeneratedPackage[] = []
  for (let i = 0; i < count; i++) {
    const id = String(i).padStart(width, '0')
    const name = rng.chance(0.2) ? `@scope-${i % 7}/pkg-${id}` : `pkg-${id}`
    packages.push(generatePackage(rng, mix, name, { from, to, maxVersions }))
  }
  // A separate stream, so that adding downloads did not change the populations of earlier seeds.
  const downloadsRng = createRng(options.seed ^ 0x5eed)
  const downloads: Record<string, number> = {}
  for (const p of packages) if (!downloadsRng.chance(0.1)) downloads[p.name] = Math.floor(10 * 1.2 ** (downloadsRng.next() * 60))
  return {
    seed: options.seed,
    now: new Date(to),
    packages,
    specs: packages
      .flatMap((p) => p.versions)
      .map((v, order) => ({ v, order }))
      .sort((a, b) => Date.parse(a.v.publishedAt) - Date.parse(b.v.publishedAt) || a.order - b.order)
      .map(({ v }) => specOf(v)),
    downloads,
    faults: packages.flatMap((p) => p.versions.flatMap(faultsOf)),
  }
}

interface Window {
  from: number
  to: number
  maxVersions: number
}

/** Per-package choices: when it adopts what, and where it builds. */
interface PackagePlan {
  provenanceFrom?: number
  trustedFrom?: number
  approverFrom?: number
  issuer: string
  runner: 'github-hosted' | 'self-hosted'
}

function generatePackage(rng: Rng, mix: PopulationMix, name: string, window: Window): GeneratedPackage {
  // Most packages have few versions: 1 + ⌊(max) · r²⌋.
  const n = Math.min(window.maxVersions, 1 + Math.floor(window.maxVersions * rng.next() ** 2))
  const times = publishTimes(rng, n, window)
  const plan = planPackage(rng, mix, window)
  const versions: GeneratedVersion[] = []
  for (const [index, { version, line, prerelease }] of versionNumbers(rng, mix, n).entries()) {
    versions.push(generateVersion(rng, mix, plan, { name, version, line, prerelease, at: times[index]! }))
  }
  const stable = versions.filter((v) => !v.prerelease)
  return { name, latest: stable.at(-1)!.version, versions }
}

/** `n` distinct times: the first anywhere in the first 80% of the window, the rest after it, sorted. */
function publishTimes(rng: Rng, n: number, window: Window): number[] {
  const start = window.from + Math.floor(rng.next() * (window.to - window.from) * 0.8)
  const times = [start]
  for (let i = 1; i < n; i++) times.push(start + 1 + Math.floor(rng.next() * (window.to - start - 1)))
  times.sort((a, b) => a - b)
  // Distinct, so that "published before" is never a tie within a package.
  for (let i = 1; i < n; i++) if (times[i]! <= times[i - 1]!) times[i] = times[i - 1]! + 1
  return times
}

function planPackage(rng: Rng, mix: PopulationMix, window: Window): PackagePlan {
  const between = (a: number, b: number): number => a + Math.floor(rng.next() * Math.max(b - a, 0))
  const plan: PackagePlan = { issuer: GITHUB_ISSUER, runner: 'github-hosted' }
  if (!rng.chance(mix.provenanceAdoption)) return plan
  plan.provenanceFrom = between(Math.max(window.from, PROVENANCE_SINCE.getTime()), window.to)
  if (rng.chance(mix.gitlab)) plan.issuer = GITLAB_ISSUER
  if (rng.chance(mix.selfHosted)) plan.runner = 'self-hosted'
  if (rng.chance(mix.trustedPublishing)) {
    plan.trustedFrom = between(Math.max(plan.provenanceFrom, TRUSTED_PUBLISHING_SINCE.getTime()), window.to)
    if (rng.chance(mix.approver)) plan.approverFrom = between(Math.max(plan.trustedFrom, APPROVER_SINCE.getTime()), window.to)
  }
  return plan
}

interface VersionNumber {
  version: string
  line: string
  prerelease: boolean
}

/** `n` versions climbing from 0.1.0 or 1.0.0; before a major, sometimes one or two `-beta.N`. Never ends on a prerelease. */
function versionNumbers(rng: Rng, mix: PopulationMix, n: number): VersionNumber[] {
  let [major, minor, patch] = rng.chance(0.3) ? [0, 1, 0] : [1, 0, 0]
  const stable = (): VersionNumber => ({ version: `${major}.${minor}.${patch}`, line: major > 0 ? String(major) : `0.${minor}`, prerelease: false })
  const out: VersionNumber[] = [stable()]
  while (out.length < n) {
    const r = rng.next()
    if (r < 0.65) patch++
    else if (r < 0.88) [minor, patch] = [minor + 1, 0]
    else {
      const next = major + 1
      // Room for the prereleases and the major itself.
      const betas = rng.chance(mix.prerelease) ? Math.min(1 + rng.int(2), n - out.length - 1) : 0
      for (let b = 0; b < betas; b++) out.push({ version: `${next}.0.0-beta.${b}`, line: `${next}.0.0-beta`, prerelease: true })
      ;[major, minor, patch] = [next, 0, 0]
    }
    out.push(stable())
  }
  return out
}

function generateVersion(rng: Rng, mix: PopulationMix, plan: PackagePlan, v: { name: string; version: string; line: string; prerelease: boolean; at: number }): GeneratedVersion {
  const signatureRoll = rng.next()
  const signature = signatureRoll < mix.signatureMissing ? 'missing' : signatureRoll < mix.signatureMissing + mix.signatureInvalid ? 'invalid' : 'valid'
  const adopted = plan.provenanceFrom !== undefined && v.at >= plan.provenanceFrom
  const withProvenance = adopted && !rng.chance(mix.provenanceDrop)
  const provenance: GeneratedVersion['provenance'] = !withProvenance ? 'none' : rng.chance(mix.provenanceInvalid) ? rng.pick(INVALID_BUNDLES) : 'valid'
  const publishAttestation = !withProvenance ? 'missing' : rng.chance(mix.publishAttestationInvalid) ? 'tampered' : 'valid'
  // Trusted publishing always publishes with provenance; a drop is a manual publish (no OIDC).
  const trustedPublisher = withProvenance && plan.trustedFrom !== undefined && v.at >= plan.trustedFrom
  const approver = trustedPublisher && plan.approverFrom !== undefined && v.at >= plan.approverFrom
  const fetchFault = withProvenance && rng.chance(mix.fetchFault)
  const transientFault = withProvenance && !fetchFault && rng.chance(mix.transientFault)
  return {
    name: v.name,
    version: v.version,
    line: v.line,
    prerelease: v.prerelease,
    publishedAt: new Date(v.at).toISOString(),
    signature,
    provenance,
    publishAttestation,
    ...(withProvenance && { issuer: plan.issuer, runner: plan.runner }),
    trustedPublisher,
    approver,
    fetchFault,
    transientFault,
  }
}

function npmUserOf(v: GeneratedVersion): NpmUser | undefined {
  if (!v.trustedPublisher) return undefined
  const gitlab = v.issuer === GITLAB_ISSUER
  return {
    name: gitlab ? 'GitLab CI' : 'GitHub Actions',
    email: gitlab ? 'npm-oidc-no-reply@gitlab.com' : 'npm-oidc-no-reply@github.com',
    trustedPublisher: { id: gitlab ? 'gitlab' : 'github', oidcConfigId: `oidc:${v.name}` },
    ...(v.approver && { approver: { name: 'release-approver', email: 'approver@example.test' } }),
  }
}

export function specOf(v: GeneratedVersion): PackageSpec {
  const npmUser = npmUserOf(v)
  return {
    name: v.name,
    version: v.version,
    publishTime: v.publishedAt,
    ...(v.prerelease && { tag: 'next' }),
    signature: v.signature,
    provenance:
      v.provenance === 'none'
        ? 'missing'
        : {
            identity: { issuer: v.issuer!, runnerEnvironment: v.runner! },
            ...(v.provenance !== 'valid' && { fault: v.provenance }),
          },
    publishAttestation: v.publishAttestation,
    ...(npmUser && { npmUser }),
  }
}

/** The path of its attestations (canonical form: fault rules match it too) answers 503 for good, or 429 once. */
function faultsOf(v: GeneratedVersion): FaultRule[] {
  const path = attestationsFaultPath(v)
  if (v.fetchFault) return [{ path, type: 'status', status: 503 }]
  if (v.transientFault) return [{ path, type: 'rate-limit', retryAfterSeconds: 0, times: 1 }]
  return []
}

/** The canonical path of a version's attestations, as fault rules and the request log name it. */
export function attestationsFaultPath(v: Pick<GeneratedVersion, 'name' | 'version'>): string {
  return `/-/npm/v1/attestations/${v.name}@${v.version}`
}
