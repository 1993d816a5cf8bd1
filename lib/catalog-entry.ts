/**
 * The `codes` option: its entries checked field by field against one table, and merged over the
 * built-in catalog. A bad entry fails `register` with `FST_AUTH_ERRORS_INVALID_CODES` naming the
 * code and the field.
 *
 * @module
 */
import { catalog as builtInCatalog, endpointKinds, freezeEntry, type CatalogEntry } from './catalog.js'
import { ConfigErrorCodes, fail, show } from './config-error.js'
import { DESCRIPTION_LIMIT, isErrorCode, isQuotableText } from './sanitize.js'

/**
 * A `codes` table entry: a full {@link CatalogEntry} for a new code, or any subset of one to
 * override a code the catalog already has.
 *
 * @example
 * ```ts
 * const codes: Record<string, CodeDefinition> = {
 *   account_locked: { status: 423, description: 'The account is locked.' },
 *   session_token_expired: { status: 401, description: 'The session token expired.', challenge: true },
 *   invalid_grant: { description: 'Our own words.' }
 * }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-8.5
 */
export type CodeDefinition = Partial<CatalogEntry>

const TEXT_SAFE = /^[\x20\x21\x23-\x5B\x5D-\x7E]+$/
const KINDS: ReadonlySet<string> = new Set(endpointKinds)
const FORMATS: ReadonlySet<string> = new Set(['oauth', 'problem'])
/** Names that would reach an object's prototype machinery if used as keys. */
const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype'])

function bad (where: string, message: string): never {
  return fail(ConfigErrorCodes.INVALID_CODES, `codes.${where} ${message}`)
}

function isStatus (value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 400 && (value as number) <= 599
}

/**
 * The own data keys of an object given as configuration: a getter, a symbol or a key such as
 * `__proto__` (which JSON.parse makes an own key) is refused, never read through.
 */
export function ownDataKeys (value: object, where: string): string[] {
  const keys: string[] = []
  for (const key of Reflect.ownKeys(value)) {
    const descriptor = Object.getOwnPropertyDescriptor(value, key) as PropertyDescriptor
    if (descriptor.enumerable !== true) continue
    if (typeof key === 'symbol') fail(ConfigErrorCodes.INVALID_CODES, `${where} has a symbol key: use string keys`)
    if (FORBIDDEN_KEYS.has(key)) fail(ConfigErrorCodes.INVALID_CODES, `${where} has the key ${show(key)}, which is refused`)
    if (!('value' in descriptor)) fail(ConfigErrorCodes.INVALID_CODES, `${where}.${key} is a getter: give a plain value`)
    keys.push(key)
  }
  return keys
}

function checkText (where: string, value: unknown): void {
  if (typeof value !== 'string' || !TEXT_SAFE.test(value) || value.length > DESCRIPTION_LIMIT) {
    bad(where, `must be ASCII text of at most ${DESCRIPTION_LIMIT} characters without ", \\ or control characters (RFC 6749 A.8), got ${show(value)}`)
  }
}

function checkLabel (where: string, value: unknown): void {
  if (typeof value !== 'string' || !isQuotableText(value)) bad(where, `must be visible ASCII text, got ${show(value)}`)
}

function checkStatus (where: string, value: unknown): void {
  if (!isStatus(value)) bad(where, `must be an integer from 400 to 599, got ${show(value)}`)
}

function checkFlag (where: string, value: unknown): void {
  if (typeof value !== 'boolean') bad(where, `must be true or false, got ${show(value)}`)
}

function checkObject (where: string, value: unknown, what: string): asserts value is object {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) bad(where, `must be an object ${what}`)
}

function checkStatusAt (where: string, value: unknown): void {
  checkObject(where, value, 'keyed by endpoint kind')
  for (const kind of ownDataKeys(value, 'codes.' + where)) {
    const status = (value as Record<string, unknown>)[kind]
    if (!KINDS.has(kind) || !isStatus(status)) bad(`${where}.${kind}`, `must be an endpoint kind with a status from 400 to 599, got ${show(status)}`)
  }
}

function checkEndpoints (where: string, value: unknown): void {
  if (!Array.isArray(value) || !value.every(kind => KINDS.has(kind))) bad(where, `must list endpoint kinds (${endpointKinds.join(', ')})`)
}

function checkNumericCode (where: string, value: unknown): void {
  if (!(Number.isSafeInteger(value) && (value as number) >= 0)) bad(where, `must be a non-negative integer, got ${show(value)}`)
}

function checkFormat (where: string, value: unknown): void {
  if (typeof value !== 'string' || !FORMATS.has(value)) bad(where, `must be 'oauth' or 'problem', got ${show(value)}`)
}

/** The fields of a `byStatus` variant, and how each is checked. */
const VARIANT_FIELDS: Readonly<Record<string, (where: string, value: unknown) => void>> = Object.freeze({
  description: checkText,
  title: checkText
})

function checkByStatus (where: string, value: unknown): void {
  checkObject(where, value, 'keyed by status')
  for (const status of ownDataKeys(value, 'codes.' + where)) {
    if (!isStatus(Number(status)) || String(Number(status)) !== status) bad(`${where} key ${show(status)}`, 'must be a status from 400 to 599')
    const variant = (value as Record<string, unknown>)[status]
    checkObject(`${where}.${status}`, variant, 'with a description')
    checkFields(`${where}.${status}`, variant, VARIANT_FIELDS)
    checkText(`${where}.${status}.description`, (variant as Record<string, unknown>).description)
  }
}

/** Every field of a catalog entry, and how its value is checked (RULES B2 for texts). */
const ENTRY_FIELDS: Readonly<Record<keyof CatalogEntry, (where: string, value: unknown) => void>> = Object.freeze({
  status: checkStatus,
  description: checkText,
  spec: checkLabel,
  section: checkLabel,
  endpoints: checkEndpoints,
  code: checkNumericCode,
  title: checkText,
  statusAt: checkStatusAt,
  format: checkFormat,
  byStatus: checkByStatus,
  challenge: checkFlag,
  clientAuthentication: checkFlag,
  promptNone: checkFlag,
  needsNonce: checkFlag,
  inactiveToken: checkFlag
})

/** Checks each field of `value` against `fields`; an unknown field is refused with the known ones named. */
function checkFields (where: string, value: object, fields: Readonly<Record<string, (where: string, value: unknown) => void>>): void {
  for (const key of ownDataKeys(value, 'codes.' + where)) {
    const check = Object.hasOwn(fields, key) ? fields[key] : undefined
    if (check === undefined) bad(where, `has an unknown field ${show(key)} (known: ${Object.keys(fields).join(', ')})`)
    const field = (value as Record<string, unknown>)[key]
    if (field !== undefined) check(`${where}.${key}`, field)
  }
}

/** Validates one `codes` entry and merges it over the built-in entry of the same code, if any. */
export function validateEntry (code: string, definition: unknown, base: CatalogEntry | undefined): CatalogEntry {
  if (!isErrorCode(code)) fail(ConfigErrorCodes.INVALID_CODES, `codes: ${show(code)} is not a valid OAuth error code (RFC 6749 A.7: %x20-21 / %x23-5B / %x5D-7E)`)
  checkObject(code, definition, 'with status and description')
  checkFields(code, definition, ENTRY_FIELDS)
  const entry = { ...base, ...definition } as Partial<CatalogEntry>
  checkStatus(`${code}.status`, entry.status)
  checkText(`${code}.description`, entry.description)
  return freezeEntry(entry as CatalogEntry)
}

/**
 * Merges a `codes` table over the built-in catalog: an entry for a known code overrides only
 * the fields it names; a new code needs `status` and `description`. Two codes may not share a
 * numeric `code`.
 */
export function mergeCatalog (codes: unknown): Readonly<Record<string, CatalogEntry>> {
  if (codes === undefined) return builtInCatalog
  if (codes === null || typeof codes !== 'object' || Array.isArray(codes)) {
    fail(ConfigErrorCodes.INVALID_CODES, 'codes must be an object keyed by error code')
  }
  const merged: Record<string, CatalogEntry> = { ...builtInCatalog }
  const builtIn = builtInCatalog as Readonly<Record<string, CatalogEntry>>
  for (const code of ownDataKeys(codes, 'codes')) {
    merged[code] = validateEntry(code, (codes as Record<string, unknown>)[code], Object.hasOwn(builtIn, code) ? builtIn[code] : undefined)
  }
  const owners = new Map<number, string>()
  for (const [code, entry] of Object.entries(merged)) {
    if (entry.code === undefined) continue
    const owner = owners.get(entry.code)
    if (owner !== undefined) fail(ConfigErrorCodes.INVALID_CODES, `codes.${code}.code ${entry.code} is already used by ${owner}`)
    owners.set(entry.code, code)
  }
  return Object.freeze(merged)
}
