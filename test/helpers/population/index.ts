/**
 * A generated registry population with its ground truth, for the audit (issue 13):
 *
 * ```ts
 * const population = generatePopulation({ seed: 13, packages: 150 })  // default 2,000 packages
 * const s = await servePopulation(t, population)    // createScenario (no project lockfile) + fetch faults
 * truthVersions(population)                          // per version: expected statuses, issuer, runner, level
 * truthMetrics(population, { generatedAt, registry }) // the metrics document the audit must report
 * ```
 *
 * generate.ts says what the mix is; truth.ts computes the expected figures from the generator's
 * knobs alone. Publishing is the slow part (every provenance version is signed by the test PKI):
 * test/helpers/population.test.ts reports the time for ~150 packages.
 */
import { createScenario, type Scenario, type ScenarioOptions, type ScenarioOwner } from '../scenario/index.js'
import type { Population } from './generate.js'

export {
  generatePopulation,
  specOf,
  attestationsFaultPath,
  DEFAULT_POPULATION_MIX,
  DEFAULT_POPULATION_PACKAGES,
  DEFAULT_POPULATION_FROM,
  DEFAULT_POPULATION_TO,
  DEFAULT_MAX_VERSIONS,
  PROVENANCE_SINCE,
  TRUSTED_PUBLISHING_SINCE,
  APPROVER_SINCE,
  GITHUB_ISSUER,
  GITLAB_ISSUER,
  type Population,
  type PopulationMix,
  type PopulationOptions,
  type GeneratedPackage,
  type GeneratedVersion,
} from './generate.js'
export { truthMetrics, truthRecords, truthVersion, truthVersions, type TruthVersion } from './truth.js'

/**
 * Publishes the population on a loopback registry (createScenario, with the population's end as the
 * PKI clock) and adds its fetch faults. No project lockfile unless `options.project` asks for one.
 */
export async function servePopulation(t: ScenarioOwner, population: Population, options: Omit<ScenarioOptions, 'packages' | 'now'> = {}): Promise<Scenario> {
  const s = await createScenario(t, { lockfile: options.project !== undefined, ...options, now: population.now, packages: population.specs })
  for (const rule of population.faults) s.registry.addFault(rule)
  return s
}
