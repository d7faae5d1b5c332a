// Minimal types for ini 6 (npm's .npmrc parser); only what verify-deps uses.
declare module 'ini' {
  /** Values are strings, `true`/`false`/`null` for those literals, arrays for `key[]=`, objects for `[section]`s. */
  export type IniValue = string | boolean | null | IniValue[] | { [key: string]: IniValue }
  export function parse(text: string): Record<string, IniValue>
  export function decode(text: string): Record<string, IniValue>
  const ini: { parse: typeof parse; decode: typeof decode }
  export default ini
}
