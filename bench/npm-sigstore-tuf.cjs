// Preloaded into an unmodified npm (NODE_OPTIONS=--require <this file>) by bench/vs-npm.ts: points
// npm's bundled @sigstore/tuf at a loopback TUF repository of the test PKI instead of Sigstore's
// public-good one. Only the mirror URL and the trust anchor (root.json) change; npm still refreshes
// and checks the TUF metadata, reads trusted_root.json (and the registry's keys.json) through it,
// and verifies every signature and attestation with its own code.
//   VERIFY_DEPS_BENCH_TUF_MIRROR  the mirror URL (test/helpers/tuf-repo.ts)
//   VERIFY_DEPS_BENCH_TUF_ROOT    the repository's 1.root.json on disk
'use strict'
const Module = require('node:module')

const mirrorURL = process.env.VERIFY_DEPS_BENCH_TUF_MIRROR
const rootPath = process.env.VERIFY_DEPS_BENCH_TUF_ROOT
if (!mirrorURL || !rootPath) {
  throw new Error('npm-sigstore-tuf.cjs: set VERIFY_DEPS_BENCH_TUF_MIRROR and VERIFY_DEPS_BENCH_TUF_ROOT')
}

const patched = new WeakSet()
const load = Module._load
Module._load = function loadWithLoopbackTuf(request, ...rest) {
  const exports = load.call(this, request, ...rest)
  if (request === '@sigstore/tuf' && !patched.has(exports)) {
    patched.add(exports)
    // `sigstore` and npm call these through the exports object, so replacing them here is enough.
    for (const name of ['initTUF', 'getTrustedRoot']) {
      const original = exports[name]
      if (typeof original !== 'function') throw new Error(`npm-sigstore-tuf.cjs: @sigstore/tuf has no ${name} export`)
      exports[name] = (options = {}) => original({ ...options, mirrorURL, rootPath })
    }
  }
  return exports
}
