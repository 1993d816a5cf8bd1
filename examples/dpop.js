// @ts-check
/**
 * DPoP proofs for the demo (RFC 9449 4.3): the checks a server makes on the `DPoP` header, with
 * WebCrypto only (no JOSE library), plus stateless server nonces (RFC 9449 8 and 9).
 *
 * Every failure is an `AuthError`, so the plugin answers it: invalid_dpop_proof (400 at the
 * token endpoint, 401 with a DPoP challenge at the resource) or use_dpop_nonce with a fresh
 * `DPoP-Nonce` header.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto'
import { AuthError } from 'fastify-auth-errors'

/** The signing algorithms the demo accepts in proofs, and how WebCrypto verifies each. */
const ALGORITHMS = {
  ES256: { importParams: { name: 'ECDSA', namedCurve: 'P-256' }, verifyParams: { name: 'ECDSA', hash: 'SHA-256' } },
  PS256: { importParams: { name: 'RSA-PSS', hash: 'SHA-256' }, verifyParams: { name: 'RSA-PSS', saltLength: 32 } },
  RS256: { importParams: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, verifyParams: { name: 'RSASSA-PKCS1-v1_5' } },
  EdDSA: { importParams: { name: 'Ed25519' }, verifyParams: { name: 'Ed25519' } }
}

/** The `algs` the demo advertises (metadata and DPoP challenges). */
export const DPOP_ALGS = Object.freeze(Object.keys(ALGORITHMS))

/** How far a proof's `iat` may be from the server's clock, in seconds. */
const IAT_WINDOW = 60
/** How long a nonce stays valid: the current window and the previous one. */
const NONCE_WINDOW = 300
const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/
/** The members of each key type that make its RFC 7638 thumbprint, in order. */
const THUMBPRINT_MEMBERS = { EC: ['crv', 'kty', 'x', 'y'], RSA: ['e', 'kty', 'n'], OKP: ['crv', 'kty', 'x'] }

/**
 * @param {string} description
 * @returns {AuthError<'invalid_dpop_proof'>}
 */
function badProof (description) {
  return new AuthError('invalid_dpop_proof', { description })
}

/**
 * @param {string} part
 * @returns {Record<string, unknown>}
 */
function decodeJson (part) {
  try {
    const value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'))
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value
  } catch {}
  throw badProof('The DPoP proof is not a JWT')
}

/**
 * The RFC 7638 thumbprint of a public JWK (the `jkt` a DPoP-bound token carries).
 *
 * @param {Record<string, unknown>} jwk
 * @returns {string}
 */
export function thumbprint (jwk) {
  const members = THUMBPRINT_MEMBERS[/** @type {keyof typeof THUMBPRINT_MEMBERS} */ (jwk.kty)]
  const canonical = JSON.stringify(Object.fromEntries(members.map(name => [name, jwk[name]])))
  return createHash('sha256').update(canonical).digest('base64url')
}

/**
 * The `ath` of an access token: base64url(SHA-256(token)).
 *
 * @param {string} token
 * @returns {string}
 */
function accessTokenHash (token) {
  return createHash('sha256').update(token).digest('base64url')
}

/**
 * A checker of DPoP proofs with its own nonce secret and `jti` replay cache.
 *
 * @param {() => number} clock milliseconds since the epoch
 * @param {number} [replayCacheSize] how many `jti` values to hold before forgetting expired ones
 */
export function createDpop (clock, replayCacheSize = 10000) {
  const secret = randomBytes(32)
  /** @type {Map<string, number>} jti -> the time (s) it may be forgotten */
  const seen = new Map()

  /**
   * @param {number} window
   * @returns {string}
   */
  function nonceOf (window) {
    return createHmac('sha256', secret).update(String(window)).digest('base64url')
  }

  /** The nonce to hand out now. */
  function currentNonce () {
    return nonceOf(Math.floor(clock() / 1000 / NONCE_WINDOW))
  }

  /**
   * @param {unknown} nonce
   * @returns {boolean}
   */
  function isFreshNonce (nonce) {
    const window = Math.floor(clock() / 1000 / NONCE_WINDOW)
    return nonce === nonceOf(window) || nonce === nonceOf(window - 1)
  }

  /**
   * @param {string} jti
   * @param {number} now
   */
  function remember (jti, now) {
    if (seen.has(jti)) throw badProof('The DPoP proof was already used')
    if (seen.size >= replayCacheSize) {
      for (const [key, until] of seen) if (until < now) seen.delete(key)
    }
    seen.set(jti, now + 2 * IAT_WINDOW)
  }

  /**
   * Checks the `DPoP` header of a request and returns the thumbprint of the proof's key.
   *
   * @param {{ proof: unknown, method: string, url: string, accessToken?: string | undefined }} input
   * @returns {Promise<string>} the key's thumbprint
   */
  async function verify ({ proof, method, url, accessToken }) {
    if (typeof proof !== 'string' || !JWT.test(proof)) throw badProof('Send exactly one DPoP header carrying a JWT')
    const [head, body, signature] = /** @type {[string, string, string]} */ (proof.split('.'))
    const header = decodeJson(head)
    const claims = decodeJson(body)
    const algorithm = ALGORITHMS[/** @type {keyof typeof ALGORITHMS} */ (header.alg)]
    if (header.typ !== 'dpop+jwt') throw badProof('The DPoP proof typ must be dpop+jwt')
    if (algorithm === undefined) throw badProof('The DPoP proof alg is not supported')
    const jwk = /** @type {Record<string, unknown> | undefined} */ (header.jwk)
    if (jwk === null || typeof jwk !== 'object' || 'd' in jwk || !(String(jwk.kty) in THUMBPRINT_MEMBERS)) throw badProof('The DPoP proof needs a public jwk')
    let valid = false
    try {
      const key = await crypto.subtle.importKey('jwk', jwk, algorithm.importParams, false, ['verify'])
      valid = await crypto.subtle.verify(algorithm.verifyParams, key, Buffer.from(signature, 'base64url'), Buffer.from(head + '.' + body))
    } catch {}
    if (!valid) throw badProof('The DPoP proof signature does not verify')
    const now = Math.floor(clock() / 1000)
    if (typeof claims.jti !== 'string' || claims.jti === '') throw badProof('The DPoP proof has no jti')
    if (claims.htm !== method) throw badProof('The DPoP proof htm does not match the request method')
    if (typeof claims.htu !== 'string' || stripUrl(claims.htu) !== stripUrl(url)) throw badProof('The DPoP proof htu does not match the request URL')
    if (typeof claims.iat !== 'number' || Math.abs(claims.iat - now) > IAT_WINDOW) throw badProof('The DPoP proof iat is out of range')
    if (accessToken !== undefined && claims.ath !== accessTokenHash(accessToken)) throw badProof('The DPoP proof ath does not match the access token')
    if (!isFreshNonce(claims.nonce)) {
      throw new AuthError('use_dpop_nonce', { description: 'Retry with the nonce of the DPoP-Nonce header', dpopNonce: currentNonce() })
    }
    remember(claims.jti, now)
    return thumbprint(jwk)
  }

  return { verify, currentNonce }
}

/**
 * A URL without query and fragment, for the `htu` comparison (RFC 9449 4.3 item 9).
 *
 * @param {string} value
 * @returns {string}
 */
function stripUrl (value) {
  try {
    const url = new URL(value)
    return url.origin + url.pathname
  } catch {
    return ''
  }
}
