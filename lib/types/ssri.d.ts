// Minimal types for ssri 13 (npm's Subresource Integrity library); only what verify-deps uses.
declare module 'ssri' {
  export interface Hash {
    algorithm: string
    digest: string
    options: string[]
    source: string
    hexDigest(): string
    toString(): string
  }
  export interface Integrity {
    [algorithm: string]: Hash[] | unknown
    isEmpty(): boolean
    pickAlgorithm(opts?: unknown): string
    hexDigest(): string
    match(other: Integrity | string): Hash | false
    toString(): string
  }
  export interface Options {
    algorithms?: string[]
    single?: boolean
    strict?: boolean
  }
  /** null for an empty string or one without a single hash ssri can use (e.g. `SHA512-…`, `not-an-sri`). */
  export function parse(sri: string, opts?: Options): Integrity | null
  export function fromData(data: Buffer | string, opts?: Options): Integrity
  export function checkData(data: Buffer | string, sri: string | Integrity, opts?: Options): Hash | false
  const ssri: {
    parse: typeof parse
    fromData: typeof fromData
    checkData: typeof checkData
  }
  export default ssri
}
