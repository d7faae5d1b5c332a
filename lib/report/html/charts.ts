/**
 * Two more charts for report pages, as inline SVG (no script, no image, nothing loaded): a donut of
 * shares with its legend, and a column chart of stacked series over time with axes. Pure; the same
 * input gives the same bytes (coordinates rounded to fixed decimals). Colours are tone classes of
 * PAGE_STYLE (components.ts `Tone`), their look in the page's style (`.donut-seg`, `.series`, `.axis`).
 */
import { element, type Html } from './escape.js'
import type { Tone } from './components.js'

export interface Slice {
  label: string
  value: number
  tone: Tone
}

const DONUT_SIZE = 200
const DONUT_RADIUS = 70
const DONUT_STROKE = 34

/** `n` with at most `digits` decimals and no trailing zeros: stable text for coordinates. */
function fixed(n: number, digits = 2): string {
  return String(Number(n.toFixed(digits)))
}

/** `part` of `whole` as a percentage with one decimal (`—` when `whole` is 0). */
export function percent(part: number, whole: number): string {
  return whole > 0 ? `${((part / whole) * 100).toFixed(1)}%` : '—'
}

/**
 * A donut: one ring segment per slice in order, clockwise from twelve o'clock, the total in the
 * middle, and a legend with each slice's count and share (the numbers are text, not only colour).
 * Segments are circles with a dash pattern (`stroke-dasharray`) of their arc's length.
 */
export function donutChart(title: string, slices: readonly Slice[], centerLabel: string): Html {
  const total = slices.reduce((sum, s) => sum + s.value, 0)
  const c = DONUT_SIZE / 2
  const circumference = 2 * Math.PI * DONUT_RADIUS
  let offset = 0
  const segments = slices.map((s) => {
    const length = total === 0 ? 0 : (s.value / total) * circumference
    const segment = element('circle', {
      class: `donut-seg tone-${s.tone}`,
      cx: c,
      cy: c,
      r: DONUT_RADIUS,
      'stroke-width': DONUT_STROKE,
      'stroke-dasharray': `${fixed(length)} ${fixed(circumference - length)}`,
      'stroke-dashoffset': fixed(-offset),
      transform: `rotate(-90 ${c} ${c})`,
    }, element('title', {}, `${s.label}: ${s.value} (${percent(s.value, total)})`))
    offset += length
    return segment
  })
  const svg = element(
    'svg',
    { xmlns: 'http://www.w3.org/2000/svg', viewBox: `0 0 ${DONUT_SIZE} ${DONUT_SIZE}`, width: DONUT_SIZE, height: DONUT_SIZE, role: 'img', 'aria-label': `${title}: ${slices.map((s) => `${s.label} ${s.value}`).join(', ')}` },
    element('title', {}, title),
    element('circle', { class: 'donut-track', cx: c, cy: c, r: DONUT_RADIUS, 'stroke-width': DONUT_STROKE }),
    segments,
    element('text', { x: c, y: c - 2, 'text-anchor': 'middle', class: 'donut-total' }, total),
    element('text', { x: c, y: c + 16, 'text-anchor': 'middle', class: 'donut-label' }, centerLabel),
  )
  const legend = element(
    'ul',
    { class: 'legend' },
    slices.map((s) => element('li', { class: `tone-${s.tone}` }, element('span', { class: 'swatch' }, ''), ' ', s.label, ' ', element('strong', {}, s.value), ' ', element('span', { class: 'muted' }, `(${percent(s.value, total)})`))),
  )
  return element('figure', { class: 'chart donut' }, element('figcaption', {}, title), element('div', { class: 'donut-body' }, svg, legend))
}

export interface Series {
  label: string
  tone: Tone
  /** One value per column. */
  values: readonly number[]
}

const COLUMNS_WIDTH = 900
const COLUMNS_HEIGHT = 260
const AXIS_LEFT = 48
const AXIS_BOTTOM = 26
const TOP = 10

/** The smallest of 1, 2, 4, 6 or 8 × a power of ten at or above `n` (at least 1): a round top for the y axis, its quarters round too. */
export function niceCeiling(n: number): number {
  if (n <= 1) return 1
  const power = 10 ** Math.floor(Math.log10(n))
  return [1, 2, 4, 6, 8].map((step) => step * power).find((top) => top >= n) ?? 10 * power
}

/**
 * Stacked columns, one per label (a month), the series stacked bottom up in order; a y axis with
 * five round ticks from 0 and a label on the x axis every `labelEvery` columns (and the first). Each
 * column has a `<title>` with its label and every series' value (a tooltip, and text for readers).
 */
export function stackedColumns(title: string, labels: readonly string[], series: readonly Series[], options: { labelOf?: (label: string, index: number) => string | undefined; unit?: string } = {}): Html {
  const plotWidth = COLUMNS_WIDTH - AXIS_LEFT - 8
  const plotHeight = COLUMNS_HEIGHT - AXIS_BOTTOM - TOP
  const totals = labels.map((_, i) => series.reduce((sum, s) => sum + (s.values[i] ?? 0), 0))
  const top = niceCeiling(Math.max(0, ...totals))
  const step = labels.length === 0 ? 0 : plotWidth / labels.length
  const y = (v: number): number => TOP + plotHeight - (v / top) * plotHeight
  const ticks = [0, 1, 2, 3, 4].map((i) => (top * i) / 4)
  const axis = element(
    'g',
    { class: 'axis' },
    ticks.map((v) => [
      element('line', { x1: AXIS_LEFT, x2: COLUMNS_WIDTH - 8, y1: fixed(y(v)), y2: fixed(y(v)) }),
      element('text', { x: AXIS_LEFT - 6, y: fixed(y(v) + 4), 'text-anchor': 'end' }, Number.isInteger(v) ? v : fixed(v, 1)),
    ]),
    labels.map((label, i) => {
      const text = options.labelOf ? options.labelOf(label, i) : label
      return text === undefined ? null : element('text', { x: fixed(AXIS_LEFT + i * step + step / 2), y: COLUMNS_HEIGHT - 8, 'text-anchor': 'middle' }, text)
    }),
  )
  const columns = labels.map((label, i) => {
    let base = 0
    const x = fixed(AXIS_LEFT + i * step + step * 0.1)
    const width = fixed(Math.max(step * 0.8, 0.5))
    const parts = series.map((s) => {
      const v = s.values[i] ?? 0
      const part = v === 0 ? null : element('rect', { class: `tone-${s.tone}`, x, width, y: fixed(y(base + v)), height: fixed(y(base) - y(base + v)) })
      base += v
      return part
    })
    const tip = `${label}: ${totals[i]}${options.unit ? ` ${options.unit}` : ''}; ${series.map((s) => `${s.label} ${s.values[i] ?? 0}`).join(', ')}`
    return element('g', { class: 'series' }, element('title', {}, tip), parts)
  })
  const legend = element('ul', { class: 'legend' }, series.map((s) => element('li', { class: `tone-${s.tone}` }, element('span', { class: 'swatch' }, ''), ' ', s.label)))
  return element(
    'figure',
    { class: 'chart columns' },
    element('figcaption', {}, title),
    element(
      'svg',
      { xmlns: 'http://www.w3.org/2000/svg', viewBox: `0 0 ${COLUMNS_WIDTH} ${COLUMNS_HEIGHT}`, width: COLUMNS_WIDTH, height: COLUMNS_HEIGHT, role: 'img', 'aria-label': `${title}: ${labels.length} columns from ${labels[0] ?? '—'} to ${labels.at(-1) ?? '—'}` },
      element('title', {}, title),
      axis,
      columns,
    ),
    legend,
  )
}
