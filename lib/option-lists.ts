/**
 * The list-valued options, checked the same way at registration and at a call: the schemes a
 * resource serves, and lists of names (`algs`, `acrValues`) given as an array or a
 * space-separated string.
 *
 * @module
 */
import type { AuthScheme } from './auth-error.js'
import { ConfigErrorCodes, fail, show } from './config-error.js'
import { isTokenList, toNameList } from './sanitize.js'

const SCHEMES: readonly AuthScheme[] = ['Bearer', 'DPoP']

/**
 * Validates a list of schemes (registration `schemes` or a call's `schemes`): `Bearer` and
 * `DPoP` in any letter case, each once; an empty list is refused.
 */
export function validateSchemes (value: unknown, name = 'schemes'): readonly AuthScheme[] {
  const list = Array.isArray(value) ? value : [value]
  const schemes: AuthScheme[] = []
  for (const item of list) {
    const scheme = typeof item === 'string' ? SCHEMES.find(s => s.toLowerCase() === item.toLowerCase()) : undefined
    if (scheme === undefined) fail(ConfigErrorCodes.INVALID_SCHEMES, `${name} must list 'Bearer' and/or 'DPoP', got ${show(item)}`)
    if (!schemes.includes(scheme)) schemes.push(scheme)
  }
  if (schemes.length === 0) fail(ConfigErrorCodes.INVALID_SCHEMES, `${name} must list 'Bearer' and/or 'DPoP', got an empty list`)
  return Object.freeze(schemes)
}

/**
 * Validates a list of names given as an array or a space-separated string (`algs`,
 * `acrValues`) and joins it with single spaces; `code` is the error code of a bad list.
 */
export function validateNameList (value: unknown, name: string, code: string = ConfigErrorCodes.INVALID_ARGUMENT): string | undefined {
  if (value === undefined) return undefined
  const list = toNameList(value)
  if (list === undefined || list.length === 0 || !isTokenList(list)) {
    fail(code, `${name} must be a non-empty array of names without spaces, quotes, backslashes or controls, or a space-separated string, got ${show(value)}`)
  }
  return [...new Set(list as readonly string[])].join(' ')
}
