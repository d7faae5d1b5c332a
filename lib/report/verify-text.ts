/**
 * `verify-deps verify`'s report formats: the text format shows the one package's facts and who
 * built it; json, sarif and github are check's formats over the same one-package Report. Pure.
 */
import { FINDINGS } from '../findings.js'
import type { PackageResult, Report } from '../model.js'
import { plainText } from './describe.js'
import { formatReport, type FormatName, type FormatOptions, type FormattedOutput } from './formats.js'
import type { PackageFacts } from '../model/facts.js'

/** `nothing-verified`: no check failed, but no signature or attestation was there to verify. */
export type VerifyOutcome = 'pass' | 'fail' | 'nothing-verified'

/** The outcome `verify` shows for a package of its report: a failure first, then "could not verify". */
export function verifyOutcomeOf(report: Pick<Report, 'couldNotVerify'>, p: Pick<PackageResult, 'decision'>): VerifyOutcome {
  if (p.decision === 'fail') return 'fail'
  return report.couldNotVerify ? 'nothing-verified' : 'pass'
}

/** Renders `verify`'s report in the named format. */
export function formatVerifyReport(name: FormatName, report: Report, options: FormatOptions = {}): FormattedOutput {
  return name === 'text' ? { main: formatVerifyReportText(report) } : formatReport(name, report, options)
}

/** The text format: each package's facts under its outcome (`verify` always has facts; without them, the outcome alone). */
export function formatVerifyReportText(report: Report): string {
  return report.packages
    .map((p) => (p.facts ? formatPackageFactsText(p.facts, verifyOutcomeOf(report, p)) : plainText(`${p.name}@${p.version}: ${OUTCOME_LABEL[verifyOutcomeOf(report, p)]}`) + '\n'))
    .join('')
}

const OUTCOME_LABEL: Record<VerifyOutcome, string> = {
  pass: 'verified',
  fail: 'FAILED',
  'nothing-verified': 'NOTHING VERIFIED (no registry signature or attestation to check)',
}

export function formatPackageFactsText(facts: PackageFacts, outcome: VerifyOutcome): string {
  const lines: string[] = []
  lines.push(`${facts.name}@${facts.version}: ${OUTCOME_LABEL[outcome]}`)
  const row = (label: string, value: string) => lines.push(`  ${label.padEnd(11)} ${value}`)

  const i = facts.integrity
  row('integrity', `${i.status}${i.integrity ? `  ${i.integrity}` : ''}${i.tarball ? `  (tarball ${i.tarball})` : ''}`)
  const s = facts.signature
  row('signature', `${s.status}${s.keyid ? `  key ${s.keyid}` : ''}`)
  const p = facts.provenance
  row('provenance', [p.status, p.predicateType, p.signedAt && `signed ${p.signedAt}`].filter(Boolean).join('  '))
  const id = p.identity
  if (id) {
    if (id.repository) row('  source', [id.repository, id.ref, id.commit && `commit ${id.commit}`].filter(Boolean).join('  '))
    if (id.workflow) row('  workflow', id.workflow)
    if (id.subjectAlternativeName) row('  signer', id.subjectAlternativeName)
    if (id.issuer) row('  issuer', id.issuer)
    const run = [id.runner && `runner ${id.runner}`, id.trigger && `trigger ${id.trigger}`, id.repositoryId && `repository id ${id.repositoryId}`]
    if (run.some(Boolean)) row('  build', run.filter(Boolean).join('  '))
  }
  const pub = facts.publish
  row('publish', `${pub.status}${pub.keyid ? `  key ${pub.keyid}` : ''}`)
  const who = facts.publisher
  if (who.name || who.trustedPublisher || who.approver) {
    const parts = [
      who.name && `${who.name}${who.email ? ` <${who.email}>` : ''}`,
      who.trustedPublisher && `trusted publisher ${who.trustedPublisher.id}`,
      who.approver && `approved by ${who.approver.name ?? who.approver.email}`,
    ]
    row('publisher', `${parts.filter(Boolean).join('  ')}  (registry metadata, not signed)`)
  }
  if (facts.findings.length > 0) {
    lines.push('  findings:')
    for (const f of facts.findings) {
      const mark = FINDINGS[f.code].defaultSeverity === 'error' ? 'x' : '!'
      lines.push(`    ${mark} ${f.code}: ${f.message}`)
    }
  }
  // Every line quotes registry or certificate data (names, identity fields, messages): no control
  // character of theirs reaches the terminal. This rendering adds none of its own.
  return lines.map((line) => plainText(line)).join('\n') + '\n'
}
