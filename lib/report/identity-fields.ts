/**
 * The signer identity's fields in the order the JSON report writes them (and the docs list them).
 * A module of its own so that the JSON writer loads the order, not the whole report schema
 * (report-schema.ts, ~25 KB, where each field is described in IDENTITY_FIELDS: a test keeps the
 * two lists the same).
 */
import type { SignerIdentity } from '../model/facts.js'

export type IdentityField = Exclude<keyof SignerIdentity, 'sources'>

export const IDENTITY_FIELD_NAMES: readonly IdentityField[] = [
  'issuer',
  'subjectAlternativeName',
  'repository',
  'repositoryUri',
  'repositoryId',
  'repositoryOwnerId',
  'workflow',
  'ref',
  'commit',
  'runner',
  'trigger',
  'visibility',
  'buildSignerUri',
  'runInvocationUri',
  'buildType',
  'builderId',
]
