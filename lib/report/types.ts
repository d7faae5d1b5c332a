/** What every report format takes and gives. */
import type { Report } from '../model.js'

export interface FormatOptions {
  /** Emit ANSI colour (text format only). The CLI decides: TTY, NO_COLOR, FORCE_COLOR, --color. */
  color?: boolean
  /** Every failing, warning and skipped package in full (text format: `--verbose`); default: capped, with a count of the rest. */
  verbose?: boolean
  /**
   * The lockfile's path relative to the repository or working directory, `/`-separated (e.g.
   * `package-lock.json`, `app/package-lock.json`): the file SARIF results and GitHub annotations
   * point at. Default: `report.project.lockfile` made relative to `report.project.root`.
   */
  lockfilePath?: string
  /** The lockfile's text, to point SARIF results and annotations at the package's own entry line. */
  lockfileText?: string
  /** SARIF `tool.driver.informationUri`. Default: `DEFAULT_INFORMATION_URI`. */
  informationUri?: string
}

export interface FormattedOutput {
  /** What goes to stdout or `--output`. */
  main: string
  /**
   * `main` in pieces, for a writer that never holds it whole (json, sarif: built on demand, so a
   * 10,000-package report is not one 35 MB string). Joined, exactly `main`.
   */
  mainChunks?: () => Iterable<string>
  /** Markdown for `$GITHUB_STEP_SUMMARY` (github format); the CLI decides whether to write it. */
  githubStepSummary?: string
}

export type ReportFormatter = (report: Report, options: FormatOptions) => FormattedOutput
