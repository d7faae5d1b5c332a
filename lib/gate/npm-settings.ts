/**
 * The install-script settings that pair with verify-deps, as `.npmrc` lines with their reasons.
 * One text: `verify-deps setup` prints it, `.npmrc.example` ends with it (`npm run docs` writes it
 * there) and docs/install-gates.md quotes it; test/gate/npm-settings.test.ts keeps them equal.
 *
 * The facts it rests on, from npm 11 (lib/commands/install.js, ci.js; arborist rebuild):
 * `npm install` / `npm ci` call arborist's reify() — node_modules written, dependency install
 * scripts run — and only then run the project's own preinstall/install/postinstall; `npm install
 * <pkg>` runs none of the project's scripts; `strict-allow-scripts` checks the ideal tree before
 * reify; `ignore-scripts` skips the project's scripts too.
 */
export const NPMRC_SECTION_MARKER = '; --- Install scripts'

export const INSTALL_SCRIPT_SETTINGS = `${NPMRC_SECTION_MARKER}: pair these with verify-deps ----------------------------------------------
; npm 7 and later run a project's own "preinstall" script AFTER writing node_modules and running
; the dependencies' install scripts, and \`npm install <pkg>\` does not run it at all. So the
; verify-deps hook reports a bad dependency and fails the install, but cannot keep it off disk.
; To check before anything is written, use \`verify-deps install\` and \`verify-deps ci\` instead of
; \`npm install\` and \`npm ci\`. Either way, keep dependency install scripts from running unreviewed:
;
; npm 11: list the dependencies whose install scripts may run in package.json "allowScripts",
; e.g. {"esbuild": true, "core-js": false} (\`npm install-scripts approve\` / \`deny\` edit it).
; With strict-allow-scripts, a dependency whose install script is not listed fails the install
; before npm writes anything, instead of running with a notice. It does not stop the project's
; own scripts, so the verify-deps hook still runs.
strict-allow-scripts=true
;
; Not with the hook: ignore-scripts also skips the project's own "preinstall", so verify-deps
; would silently not run. To run no install scripts at all, set it and gate with
; \`verify-deps ci\` / \`verify-deps install\` (or run \`verify-deps\` as a step before \`npm ci\`).
;ignore-scripts=true
`

/** `.npmrc.example` with its install-script section (from the marker line to the end) replaced. */
export function withInstallScriptSettings(npmrcExample: string): string {
  const at = npmrcExample.indexOf(NPMRC_SECTION_MARKER)
  const head = at === -1 ? npmrcExample.replace(/\n*$/, '\n\n') : npmrcExample.slice(0, at)
  return head + INSTALL_SCRIPT_SETTINGS
}
