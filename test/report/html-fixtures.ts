/**
 * A report whose every attacker-controlled string (lockfile names and versions, registry messages
 * and URLs, certificate identity fields, settings, notices) tries to break out of its HTML context:
 * markup, a closing script tag, a comment opener, attribute quotes, `javascript:` and look-alike
 * hosts, control characters. For the HTML format's unit and browser tests.
 */
import type { Report } from '../../lib/model.js'
import { buildReport, decided, facts, identity, location, passing, result } from './fixtures.js'

/** Appears in the hostile package's name, to find it in the page. */
export const HOSTILE_MARKER = 'HOSTILE-7f3a'

export const HOSTILE_NAME = `<img src=x onerror="window.__pwned=1">${HOSTILE_MARKER}`
export const HOSTILE_VERSION = `1.0.0"><script>window.__pwned=1</script>`
export const HOSTILE_MESSAGE = `</script><script>window.__pwned=1</script> <!-- \u001b[31m red \u2028 ' " &amp;`

export function hostileReport(): Report {
  const findings = [decided('SIGNATURE_INVALID', HOSTILE_MESSAGE)]
  const hostile = result(HOSTILE_NAME, HOSTILE_VERSION, {
    decision: 'fail',
    findings,
    rule: `"><svg onload="window.__pwned=1">`,
    locations: [location(['my-app', `${HOSTILE_NAME}@1.0.0`], { path: 'node_modules/x', alias: `<u onmouseover="window.__pwned=1">nick</u>` })],
    facts: facts(HOSTILE_NAME, HOSTILE_VERSION, {
      findings: findings.map(({ code, message }) => ({ code, message })),
      provenance: {
        status: 'verified',
        identity: identity({
          repositoryUri: 'javascript:window.__pwned=1//https://github.com/a/b',
          repository: `javascript:alert(1)`,
          workflow: `" onmouseover="window.__pwned=1`,
          ref: `"><iframe src="javascript:window.__pwned=1"></iframe>`,
          commit: `<b>0123</b>`,
        }),
      },
    }),
  })
  // Verified provenance whose repository only looks like a known host: text, never a link.
  const lookalike = result('lookalike', '1.0.0', {
    facts: facts('lookalike', '1.0.0', { provenance: { status: 'verified', identity: identity({ repositoryUri: 'https://github.com.evil.example/acme/x', repository: 'acme/x' }) } }),
  })
  const traversal = result('traversal', '1.0.0', {
    facts: facts('traversal', '1.0.0', { provenance: { status: 'verified', identity: identity({ repositoryUri: 'https://github.com/acme/../../evil', workflow: '../../../evil.yml' }) } }),
  })
  const skipped = result('skipped-one', '1.0.0', { decision: 'skipped', source: 'git', skipReason: 'git: <!-- <script>window.__pwned=1</script>', facts: undefined })
  return buildReport([hostile, lookalike, traversal, skipped, passing()], {
    project: {
      root: '/work/<script>window.__pwned=1</script>',
      lockfile: '/work/x/package-lock.json"><base href="https://evil.example/">',
      policy: null,
      settings: [{ key: 'omit', value: ['dev', '<meta http-equiv="refresh" content="0;url=https://evil.example/">'], from: 'project .npmrc' }],
    },
    couldNotVerify: true,
    notices: ['<form action="https://evil.example/"><button>go</button></form>'],
    registries: [{ url: 'https://evil.example/"><object data="https://evil.example/x"></object>', keysSource: 'none', keysFrom: '<link rel=stylesheet href=https://evil.example/x.css>', packages: 2, verified: 0, couldNotVerify: true }],
  })
}
