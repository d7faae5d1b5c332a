/**
 * Whether the text report is coloured. The CLI decides, once, from the flag, the environment and the
 * terminal; the report only takes the answer (lib/report/types.ts `color`).
 *
 *   --color=always | never     wins over everything (`--no-color` = never)
 *   FORCE_COLOR                set: colour, even into a pipe; `0` or `false`: none (as Node's tty
 *                              and chalk/supports-color read it)
 *   NO_COLOR                   set to anything but `` or `0`: none (as npm's `color` default reads it;
 *                              https://no-color.org)
 *   TERM=dumb                  none
 *   otherwise                  colour when standard output is a terminal and the report goes there
 *
 * A report written to `--output FILE` is coloured only with --color=always.
 */
import { inputError } from '../errors.js'

export const COLOR_MODES = ['auto', 'always', 'never'] as const
export type ColorMode = (typeof COLOR_MODES)[number]

export interface ColorContext {
  /** `--color` as given (undefined: auto). */
  flag?: string | undefined
  /** `--no-color` was given. */
  noColor?: boolean | undefined
  env: NodeJS.ProcessEnv
  stdoutIsTTY: boolean
  /** The report goes to `--output FILE`, not the terminal. */
  toFile: boolean
}

/** `--color` (and `--no-color`) as a mode; a value other than auto, always or never is a usage error. */
export function parseColorMode(flag: string | undefined, noColor?: boolean): ColorMode {
  if (noColor && flag !== undefined && flag !== 'never') throw inputError('EUSAGE', `--no-color and --color=${flag} cannot be combined`)
  if (noColor) return 'never'
  if (flag === undefined) return 'auto'
  if (!(COLOR_MODES as readonly string[]).includes(flag)) throw inputError('EUSAGE', `--color must be one of ${COLOR_MODES.join(', ')} (got "${flag}")`)
  return flag as ColorMode
}

export function chooseColor(ctx: ColorContext): boolean {
  const mode = parseColorMode(ctx.flag, ctx.noColor)
  if (mode !== 'auto') return mode === 'always'
  if (ctx.toFile) return false
  const force = ctx.env.FORCE_COLOR
  if (force !== undefined) return force !== '0' && force.toLowerCase() !== 'false'
  const no = ctx.env.NO_COLOR
  if (no !== undefined && no !== '' && no !== '0') return false
  if (ctx.env.TERM === 'dumb') return false
  return ctx.stdoutIsTTY
}
