/**
 * The install-script settings that pair with verify-deps, as `.npmrc` lines with their reasons.
 * One text: `verify-deps setup` prints it, `.npmrc.example` ends with it (`npm run docs` writes it
 * there) and docs/install-gates.md quotes it; test/gate/npm-settings.test.ts keeps them equal.
 * Every active line must be right for npm 10, 11 and 12 (test/gate/npm-settings.test.ts checks
 * each key against the definitions of the npm on PATH: npm 12 warns on an unknown .npmrc key, and
 * errors on one with strict-npmrc).
 *
 * The facts it rests on (docs/npm12.md): npm 11 (lib/commands/install.js, ci.js) calls arborist's
 * reify() — node_modules written, dependency install scripts run — and only then runs the
 * project's own preinstall/install/postinstall; npm 12 runs the project's preinstall before reify
 * (install: before the ideal tree; ci: after the lockfile is validated and node_modules emptied).
 * `npm install <pkg>` runs none of the project's scripts; `ignore-scripts` skips them too.
 * npm 11.16+ and 12 read package.json `allowScripts` (`npm approve-scripts` / `deny-scripts` edit
 * it); an unreviewed dependency install script runs with a notice under npm 11 and is blocked with
 * a warning under npm 12; `strict-allow-scripts` makes it an error before reify. `allow-git` /
 * `allow-remote` default to `all` in npm 11 and `none` in npm 12. npm 10 knows none of these keys
 * and ignores them silently.
 */
export const NPMRC_SECTION_MARKER = '; --- Install scripts'

export const INSTALL_SCRIPT_SETTINGS = `${NPMRC_SECTION_MARKER}: pair these with verify-deps ----------------------------------------------
; When npm runs the verify-deps "preinstall" hook depends on npm's version (docs/npm12.md):
;   npm 12      BEFORE it fetches or writes anything: a failing check stops \`npm install\` and
;               \`npm ci\` in time (npm ci has only emptied node_modules by then);
;   npm 7 - 11  AFTER it has written node_modules and run the dependencies' install scripts:
;               the hook fails the install but cannot keep a bad package off disk.
; No npm runs it for \`npm install <pkg>\`. To check before anything is written, with any npm,
; use \`verify-deps install\` and \`verify-deps ci\` instead of \`npm install\` and \`npm ci\`.
;
; Dependency install scripts, npm 11.16+ and 12: only packages that package.json "allowScripts"
; approves run them, e.g. {"esbuild": true, "core-js": false}; \`npm approve-scripts <pkg>\` and
; \`npm deny-scripts <pkg>\` edit it, \`npm approve-scripts --allow-scripts-pending\` lists the
; unreviewed. An unreviewed script runs with a notice under npm 11 and is skipped with a warning
; under npm 12; with strict-allow-scripts both fail the install instead, before node_modules is
; written. It does not apply to the project's own scripts, so the hook still runs.
strict-allow-scripts=true
;
; Git and tarball-URL dependencies: verify-deps finds no registry signature or attestation for
; them (UNVERIFIABLE_SOURCE). npm 12 fetches none by default; these make npm 11 do the same. A
; project that needs one sets allow-git=root (only package.json's own) or allow-git=all.
allow-git=none
allow-remote=none
;
; npm 10 has no allowScripts and ignores the three settings above: dependency install scripts
; run unless ignore-scripts is set. Not with the hook: ignore-scripts also skips the project's
; own "preinstall", so verify-deps would silently not run. To run no install scripts at all, set
; it and gate with \`verify-deps ci\` / \`verify-deps install\` (or run \`verify-deps\` before \`npm ci\`).
;ignore-scripts=true
`

/** `.npmrc.example` with its install-script section (from the marker line to the end) replaced. */
export function withInstallScriptSettings(npmrcExample: string): string {
  const at = npmrcExample.indexOf(NPMRC_SECTION_MARKER)
  const head = at === -1 ? npmrcExample.replace(/\n*$/, '\n\n') : npmrcExample.slice(0, at)
  return head + INSTALL_SCRIPT_SETTINGS
}
