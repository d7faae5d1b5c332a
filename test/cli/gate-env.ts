// The environment for CLI runs that spawn npm against the loopback registry: clean (run.ts), with
// the short retry backoff and no audit/fund/update-notifier requests, as npm_config_* variables.
import { LOOPBACK_NPM_CONFIG } from '../helpers/scenario/index.js'
import { cleanEnv } from './run.js'

export function gateEnv(home: string, extra: Record<string, string> = {}): Record<string, string> {
  const config = { ...LOOPBACK_NPM_CONFIG, audit: 'false', fund: 'false', 'update-notifier': 'false' }
  const env = Object.fromEntries(Object.entries(config).map(([k, v]) => [`npm_config_${k.replace(/-/g, '_')}`, v]))
  return cleanEnv(home, { ...env, ...extra })
}
