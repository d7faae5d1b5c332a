/**
 * Building blocks of a report page, each a pure function from plain data to an HTML fragment:
 * summary cards, a horizontal bar chart as inline SVG, a searchable and sortable table, a section, a
 * banner. They know nothing of packages: the check report (report.ts) and later pages (an adoption
 * report) compose them. Their look is in PAGE_STYLE, their behaviour in PAGE_SCRIPT (client.ts).
 */
import { element, raw, type Content, type Html } from './escape.js'

/** A colour family, shared by cards, bars and badges (classes `tone-<name>` in PAGE_STYLE). */
export type Tone = 'pass' | 'warn' | 'fail' | 'skipped' | 'info' | 'neutral'

export interface Card {
  label: string
  value: number | string
  tone?: Tone
  /** One short line under the value. */
  detail?: Content
}

/** A row of cards: big number, label, optional detail. */
export function summaryCards(cards: readonly Card[]): Html {
  return element(
    'div',
    { class: 'cards' },
    cards.map((c) => element('div', { class: `card tone-${c.tone ?? 'neutral'}` }, element('div', { class: 'card-value' }, c.value), element('div', { class: 'card-label' }, c.label), c.detail !== undefined && element('div', { class: 'card-detail' }, c.detail))),
  )
}

export interface Bar {
  label: string
  value: number
  tone?: Tone
}

const DEFAULT_CHART_WIDTH = 520
const DEFAULT_LABEL_WIDTH = 170
const COUNT_WIDTH = 90
const ROW_HEIGHT = 28
const BAR_HEIGHT = 18

/**
 * A horizontal bar chart as inline SVG (no script, no image): one row per bar with its label, a bar
 * scaled to the largest value, and the count with its share of the total. `title` names it for
 * screen readers too. `labelWidth` widens the labels' column (long labels: issuer URLs), `width` the chart.
 */
export function barChart(title: string, bars: readonly Bar[], options: { labelWidth?: number; width?: number } = {}): Html {
  const chartWidth = options.width ?? DEFAULT_CHART_WIDTH
  const labelWidth = options.labelWidth ?? DEFAULT_LABEL_WIDTH
  const total = bars.reduce((sum, b) => sum + b.value, 0)
  const max = Math.max(1, ...bars.map((b) => b.value))
  const span = chartWidth - labelWidth - COUNT_WIDTH
  const height = bars.length * ROW_HEIGHT + 4
  const rows = bars.map((b, i) => {
    const y = i * ROW_HEIGHT + 2
    const width = b.value === 0 ? 0 : Math.max(2, Math.round((b.value / max) * span))
    const share = total === 0 ? 0 : Math.round((b.value / total) * 100)
    return element(
      'g',
      { class: `bar tone-${b.tone ?? 'neutral'}` },
      element('text', { x: labelWidth - 8, y: y + BAR_HEIGHT - 4, 'text-anchor': 'end', class: 'bar-label' }, b.label),
      element('rect', { x: labelWidth, y, width, height: BAR_HEIGHT, rx: 3 }),
      element('text', { x: labelWidth + width + 6, y: y + BAR_HEIGHT - 4, class: 'bar-count' }, `${b.value} (${share}%)`),
    )
  })
  return element(
    'figure',
    { class: 'chart' },
    element('figcaption', {}, title),
    element('svg', { xmlns: 'http://www.w3.org/2000/svg', viewBox: `0 0 ${chartWidth} ${height}`, width: chartWidth, height, role: 'img', 'aria-label': `${title}: ${bars.map((b) => `${b.label} ${b.value}`).join(', ')}` }, element('title', {}, title), rows),
  )
}

/** A coloured label (a decision, a severity, an evidence level). */
export function badge(text: string, tone: Tone): Html {
  return element('span', { class: `badge tone-${tone}` }, text)
}

/** A titled section with an anchor id. */
export function section(id: string, title: string, ...content: Content[]): Html {
  return element('section', { id }, element('h2', {}, title), ...content)
}

/** A highlighted message (a warning about the run itself). */
export function banner(tone: Tone, ...content: Content[]): Html {
  return element('div', { class: `banner tone-${tone}`, role: tone === 'fail' || tone === 'warn' ? 'alert' : 'note' }, ...content)
}

/** A button that puts `query` in the search box of table `tableId` (PAGE_SCRIPT). Without the script, plain text. */
export function searchButton(tableId: string, query: string, label: Content): Html {
  return element('button', { type: 'button', class: 'search-link', 'data-search-table': tableId, 'data-search': query }, label)
}

export interface Column {
  label: string
  /** Sorting by this column: numbers sort numerically, strings by their text (case-insensitive). */
  sortable?: boolean
  /** Right-aligned numbers. */
  numeric?: boolean
}

export interface TableRow {
  cells: Content[]
  /** What the search box matches against (lower-cased by the table). */
  search: string
  /** One sort key per column (null for columns that do not sort). */
  keys: ReadonlyArray<string | number | null>
  /** A `data-*`-free class for the row (e.g. its tone). */
  class?: string
}

/** What PAGE_SCRIPT reads for one table, from the page's embedded JSON (`tables[id]`). */
export interface TableData {
  rows: Array<{ search: string; keys: ReadonlyArray<string | number | null> }>
}

export interface SortableTable {
  html: Html
  data: TableData
}

/**
 * A table with a search box and sortable columns. Rendered whole on the server, so it reads without
 * script; PAGE_SCRIPT then filters rows by every word typed (all must match), sorts on a header
 * click (again to reverse), and shows how many rows match. Each row's search text and sort keys
 * travel as data (`data`, to embed in the page as `tables[id]`), never as markup to parse.
 */
export function sortableTable(id: string, caption: string, columns: readonly Column[], rows: readonly TableRow[], placeholder = 'Search'): SortableTable {
  const head = element(
    'tr',
    {},
    columns.map((c, i) => element('th', { scope: 'col', class: c.numeric ? 'num' : null }, c.sortable ? element('button', { type: 'button', class: 'sort', 'data-col': i }, c.label) : c.label)),
  )
  const body = rows.map((r, i) => element('tr', { 'data-row': i, class: r.class ?? null }, r.cells.map((cell, j) => element('td', { class: columns[j]?.numeric ? 'num' : null }, cell))))
  const controls = element(
    'div',
    { class: 'table-controls' },
    element('label', { for: `${id}-search` }, 'Search '),
    element('input', { type: 'search', id: `${id}-search`, 'data-table': id, placeholder, autocomplete: 'off', spellcheck: 'false' }),
    element('span', { class: 'match-count', id: `${id}-count`, 'aria-live': 'polite' }, `${rows.length} of ${rows.length}`),
  )
  const table = element('table', { id, class: 'sortable' }, element('caption', {}, caption), element('thead', {}, head), element('tbody', {}, body))
  return {
    html: raw(controls.html + element('div', { class: 'table-wrap' }, table).html),
    data: { rows: rows.map((r) => ({ search: r.search.toLowerCase(), keys: r.keys })) },
  }
}

/** A plain table (no search, no sorting): a header row and body rows of cells. */
export function simpleTable(headers: readonly string[], rows: ReadonlyArray<readonly Content[]>, numeric: readonly number[] = []): Html {
  return element(
    'table',
    { class: 'plain' },
    element('thead', {}, element('tr', {}, headers.map((h, i) => element('th', { scope: 'col', class: numeric.includes(i) ? 'num' : null }, h)))),
    element('tbody', {}, rows.map((r) => element('tr', {}, r.map((cell, i) => element('td', { class: numeric.includes(i) ? 'num' : null }, cell))))),
  )
}
