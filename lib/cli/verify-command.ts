/**
 * `verify-deps verify <file.tgz>`: verify one package tarball fully offline against the
 * attestations (and optionally the registry's packument) given as files — like
 * `gh attestation verify` for npm tarballs. Parses arguments, calls runVerifyTarball, prints the
 * report in the chosen format and maps it to an exit code.
 */
import { relative, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { inputError } from '../errors.js'
import { FORMAT_NAMES, isFormatName } from '../report/formats.js'
import { formatVerifyReport } from '../report/verify-text.js'
import { runVerifyTarball } from '../verify-tarball.js'
import { checkOutputWritable, emitReport, type CheckContext } from './check-command.js'
import { EXIT, exitCodeForReport, type ExitCode } from './exit-codes.js'
import type { Terminal } from './terminal.js'

export const VERIFY_HELP = `Usage: verify-deps verify <file.tgz> [options]

Verify one npm package tarball offline: its integrity, registry signature (with --packument),
SLSA provenance and npm publish attestation, and show who built it.

Options:
  --attestations FILE   the attestations document (GET /-/npm/v1/attestations/<name>@<version>)
                        or a single Sigstore bundle
  --packument FILE      the registry's packument or version document: supplies dist.signatures,
                        dist.integrity, dist.attestations, _npmUser and the publish time
  --name NAME           package name (default: from the tarball's package.json)
  --version VERSION     package version (default: from the tarball's package.json)
  --trusted-root FILE   Sigstore trusted_root.json (default: the embedded public-good root)
  --registry-keys FILE  registry keys, TUF keys.json or /-/npm/v1/keys shape (default: embedded npm keys)
  --offline             accepted for symmetry; verify never uses the network
  --format NAME         ${FORMAT_NAMES.join(' | ')} (default text); json is check's report
                        document with one package (docs/report.md)
  --json                same as --format json
  --output FILE         write the report to FILE instead of stdout
  -h, --help            show this help

Exit codes: 0 everything present verified, and at least one signature or attestation ·
1 a check failed · 2 unusable input · 3 nothing verified (no signature or attestation to check)
`

export async function runVerifyCommand(argv: readonly string[], term: Terminal, ctx: CheckContext): Promise<ExitCode> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      attestations: { type: 'string' },
      packument: { type: 'string' },
      name: { type: 'string' },
      version: { type: 'string' },
      'trusted-root': { type: 'string' },
      'registry-keys': { type: 'string' },
      offline: { type: 'boolean' },
      format: { type: 'string' },
      json: { type: 'boolean' },
      output: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help) {
    term.out(VERIFY_HELP)
    return EXIT.OK
  }
  if (positionals.length !== 1) {
    throw inputError('EUSAGE', positionals.length === 0 ? 'verify: name a tarball to verify' : 'verify: takes exactly one tarball', 'Run "verify-deps verify --help" for usage.')
  }
  const format = values.json ? 'json' : (values.format ?? 'text')
  if (!isFormatName(format)) throw inputError('EUSAGE', `--format must be one of ${FORMAT_NAMES.join(', ')} (got "${format}")`)
  if (values.output !== undefined) checkOutputWritable(resolve(ctx.cwd, values.output), values.output)

  const tarballFile = positionals[0]!
  const report = await runVerifyTarball({
    tarballFile,
    ...(values.attestations !== undefined && { attestationsFile: values.attestations }),
    ...(values.packument !== undefined && { packumentFile: values.packument }),
    ...(values.name !== undefined && { name: values.name }),
    ...(values.version !== undefined && { version: values.version }),
    ...(values['trusted-root'] !== undefined && { trustedRootFile: values['trusted-root'] }),
    ...(values['registry-keys'] !== undefined && { registryKeysFile: values['registry-keys'] }),
    toolVersion: ctx.toolVersion,
  })
  // SARIF results and annotations point at the tarball: there is no lockfile.
  const formatted = formatVerifyReport(format, report, { lockfilePath: relative(ctx.cwd, resolve(ctx.cwd, tarballFile)) || tarballFile })
  const s = report.summary
  await emitReport(term, ctx, formatted, values.output, `${s.total} package: ${s.pass} pass, ${s.warn} warn, ${s.fail} fail`)
  return exitCodeForReport(report)
}
