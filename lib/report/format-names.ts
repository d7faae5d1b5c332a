/**
 * The report formats by name, each loaded only when it is used: a check that writes JSON does not
 * load the HTML, SARIF, text and GitHub writers (formats.ts has them all, for the library API).
 */
import type { ReportFormatter } from './types.js'

export const FORMAT_NAMES = ['text', 'json', 'sarif', 'github', 'html'] as const

export type FormatName = (typeof FORMAT_NAMES)[number]

export const DEFAULT_FORMAT: FormatName = 'text'

export function isFormatName(value: string): value is FormatName {
  return (FORMAT_NAMES as readonly string[]).includes(value)
}

/** The writer of one format, loading its module. */
export async function loadFormatter(name: FormatName): Promise<ReportFormatter> {
  switch (name) {
    case 'text':
      return (await import('./text.js')).formatReportText
    case 'json':
      return (await import('./json.js')).formatReportJson
    case 'sarif':
      return (await import('./sarif.js')).formatReportSarif
    case 'github':
      return (await import('./github.js')).formatReportGithub
    case 'html':
      return (await import('./html/report.js')).formatReportHtml
  }
}
