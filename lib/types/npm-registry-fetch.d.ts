// Minimal types for npm-registry-fetch 19 (npm's registry client); only what verify-deps uses.
declare module 'npm-registry-fetch' {
  export interface FetchOptions {
    registry?: string
    method?: string
    headers?: Record<string, string>
    timeout?: number
    retry?: { retries?: number; factor?: number; minTimeout?: number; maxTimeout?: number; randomize?: boolean } | false
    cache?: string
    preferOnline?: boolean
    offline?: boolean
    signal?: AbortSignal
    spec?: unknown
    [key: string]: unknown
  }
  export interface Response {
    status: number
    headers: { get(name: string): string | null }
    json(): Promise<unknown>
    text(): Promise<string>
    buffer(): Promise<Buffer>
  }
  export interface HttpError extends Error {
    code: string
    statusCode?: number
    uri?: string
  }
  function fetch(url: string, opts?: FetchOptions): Promise<Response>
  namespace fetch {
    function json(url: string, opts?: FetchOptions): Promise<unknown>
    function pickRegistry(spec: unknown, opts?: FetchOptions): string
    /** The credentials npm-registry-fetch would attach to a request for `uri` (lib/auth.js). */
    function getAuth(uri: string, opts?: FetchOptions): { token: string | null; auth: string | null; cert: string | null; key: string | null }
  }
  export default fetch
}
