// The tree stage: which packages are in the project (see load.ts for the steps).
export { loadPackages, ROOT_LABEL, type LoadPackagesOptions, type TreeResult, type TreeMode, type OmitType } from './load.js'
export type { InstalledMismatch, PackageIdentity } from './installed.js'
export { TreeError, type TreeErrorCode } from './errors.js'
export type { ResolvedRewrite } from './binding.js'
