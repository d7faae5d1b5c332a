// The @acme policy both the library test (test/policy/check.test.ts) and the CLI test
// (test/cli/policy.test.ts) run over the loopback registry: who may publish and build @acme/*.
export const ACME_BOT = { name: 'acme-bot', email: 'bot@acme.example', trustedPublisher: { id: 'github', oidcConfigId: 'oidc:acme' } }

export const acmePolicy = (mode: 'enforce' | 'warn', extra = '') => `version: 1
rules:
  - packages: ["@acme/*"]
    mode: ${mode}
    require: { signature: true, provenance: true, trustedPublisher: true }
    publishers: ["acme-bot"]
    builds:
      - issuer: https://token.actions.githubusercontent.com
        repository: acme/*
        workflow: .github/workflows/release.yml
        ref: refs/tags/v*
        runner: github-hosted
  # More specific than @acme/*: the exact name wins, and pins the repository's numeric id.
  - packages: ["@acme/renamed"]
    mode: ${mode}
    builds:
      - repository: acme/renamed
        repositoryId: "100000001"
  - packages: ["@acme/staged"]
    mode: ${mode}
    require: { approver: true }
${extra}`
