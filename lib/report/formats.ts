/**
 * Report formats are drivers registered by name: each renders the one Report model to strings.
 * The CLI picks one by `--format`, prints `main` and decides what to do with the rest.
 */
import type { Report } from '../model.js'
import { formatReportGithub } from './github.js'
import { formatReportHtml } from './html/report.js'
import { formatReportJson } from './json.js'
import { formatReportSarif } from './sarif.js'
import { formatReportText } from './text.js'
import type { FormatOptions, FormattedOutput, ReportFormatter } from './types.js'
import type { FormatName } from './format-names.js'

export type { FormatOptions, FormattedOutput, ReportFormatter } from './types.js'
export { DEFAULT_FORMAT, FORMAT_NAMES, isFormatName, loadFormatter, type FormatName } from './format-names.js'

export const FORMATS = {
  text: formatReportText,
  json: formatReportJson,
  sarif: formatReportSarif,
  github: formatReportGithub,
  html: formatReportHtml,
} as const satisfies Record<FormatName, ReportFormatter>

export function formatReport(name: FormatName, report: Report, options: FormatOptions = {}): FormattedOutput {
  return FORMATS[name](report, options)
}
