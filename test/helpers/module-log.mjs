// Preload (`node --import`) that records every module the process loads, one file URL or path a
// line, in the file named by VERIFY_DEPS_MODULE_LOG: ES modules from a resolve hook (run in node's
// loader thread), CommonJS modules from require's cache and node's built-ins (`builtin:http`) when
// the process exits. Lets a test assert
// what a command loads without timing it (test/cli/startup.test.ts).
import { appendFileSync } from 'node:fs'
import { createRequire, register } from 'node:module'

const log = process.env.VERIFY_DEPS_MODULE_LOG
if (log) {
  const hook = `import { appendFileSync } from 'node:fs'
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context)
  appendFileSync(${JSON.stringify(log)}, result.url + '\\n')
  return result
}`
  register(`data:text/javascript,${encodeURIComponent(hook)}`)
  const require = createRequire(import.meta.url)
  // Node's built-in modules, however loaded (import, require, createRequire), as `builtin:<name>`.
  const builtins = () => process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => `builtin:${m.slice('NativeModule '.length)}`)
  process.on('exit', () => appendFileSync(log, [...Object.keys(require.cache), ...builtins()].join('\n') + '\n'))
}
