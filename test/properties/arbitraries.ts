/**
 * fast-check arbitraries for hostile input: strings an attacker (or a careless application)
 * can put into a description, a state, a scope, a realm, an error_uri or an instance, and
 * values a route can throw.
 */
import fc from 'fast-check'
import { AuthError, catalogCodes, type AuthErrorOptions } from '../../lib/index.js'

/** How many runs each property makes: a few hundred in `npm test`, 10,000+ in `npm run test:props`. */
export const RUNS = Math.max(1, Number.parseInt(process.env.PROPS_RUNS ?? '200', 10) || 200)

/** The seed of this run: `PROPS_SEED` to replay one, else a fresh one (printed by the test). */
export const SEED = process.env.PROPS_SEED === undefined ? (Date.now() ^ (Math.random() * 0x7fffffff)) | 0 : Number(process.env.PROPS_SEED)

/** Pieces that break headers, URLs, JSON, quoted-strings and HTML when they leak. */
const HOSTILE_PIECES = [
  '\r', '\n', '\r\n', '\r\nSet-Cookie: a=1', '\u0000', '\t', '\u000b', '\u001b', '\u007f', '\u0085',
  '"', '\\', '\\"', '\'', '`', '<', '>', '&', '&lt;', '</script>', '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>', '<!--', ']]>', '\u2028', '\u2029', '\ufeff', '\u200b', '\u202e',
  '\ud800', '\udfff', '\udbff\udfff', '\ud83d\ude00', 'é', 'ü', '中文', '%', '%0d%0a', '%00', '%zz',
  '#', '?', '&error=x', '=', '+', ' ', '  ', 'javascript:', 'HTTP/1.1 200 OK', ';', ',', '\u00ff', '\u0100'
]

const piece = fc.oneof(fc.constantFrom(...HOSTILE_PIECES), fc.string({ unit: 'binary', maxLength: 8 }))

/**
 * Any string: full Unicode with lone surrogates and controls (mostly short), compositions of
 * hostile pieces, and large strings up to 64 kB.
 */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'binary', maxLength: 80 }) },
  { weight: 4, arbitrary: fc.array(piece, { maxLength: 12 }).map(parts => parts.join('')) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 600 }) },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.array(piece, { minLength: 1, maxLength: 4 }), fc.integer({ min: 513, max: 64 * 1024 }))
      .map(([parts, length]) => {
        const unit = parts.join('') || 'x'
        return unit.repeat(Math.ceil(length / unit.length)).slice(0, length)
      })
  }
)

/** A string, or sometimes a value of the wrong type (what an untyped caller can pass). */
export const looseString: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 8, arbitrary: hostileString },
  { weight: 1, arbitrary: fc.constantFrom(undefined, null, 42, true, ['a', 'b'], { toString: () => 'x' }) }
)

/** A scope: a space-separated string, or an array of hostile tokens. */
export const hostileScope: fc.Arbitrary<string | string[]> = fc.oneof(hostileString, fc.array(hostileString, { maxLength: 6 }))

/** Every code of the built-in catalog. */
export const anyCode = fc.constantFrom(...catalogCodes)

/** Hostile `AuthErrorOptions` (without `status`, `dpopNonce` and `format`, which the caller picks). */
export const hostileOptions: fc.Arbitrary<AuthErrorOptions> = fc.record({
  description: hostileString,
  uri: hostileString,
  state: hostileString,
  scope: hostileScope,
  hint: hostileString,
  debug: hostileString,
  instance: hostileString,
  headers: fc.dictionary(hostileString, hostileString, { maxKeys: 3 })
}, { requiredKeys: [] })

/** An `Accept` header: absent, the usual ones, or hostile text. */
export const hostileAccept: fc.Arbitrary<string | undefined> = fc.oneof(
  fc.constantFrom(undefined, 'application/json', 'application/problem+json', 'text/html', '*/*',
    'application/problem+json;q=0.9, application/json;q=0.8', 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.8'),
  fc.string({ unit: 'binary-ascii', maxLength: 60 }).map(text => text.replace(/[^\t\x20-\x7e]/g, ''))
)

/** Builders of values that are hard to look at: each call makes a fresh one. */
const HOSTILE_VALUES: Readonly<Record<string, (text: string, any: unknown) => unknown>> = {
  'a Proxy whose every trap throws': () => new Proxy(function target () {}, Object.fromEntries(
    ['get', 'set', 'has', 'ownKeys', 'getOwnPropertyDescriptor', 'getPrototypeOf', 'setPrototypeOf', 'defineProperty',
      'deleteProperty', 'isExtensible', 'preventExtensions', 'apply', 'construct']
      .map(trap => [trap, () => { throw new Error('trap ' + trap) }]))),
  'an object whose getters throw': (text) => Object.defineProperties({}, Object.fromEntries(
    ['statusCode', 'status', 'code', 'message', 'validation', 'name', 'stack', 'cause', 'toString', 'toJSON', 'constructor']
      .map(key => [key, { enumerable: true, get () { throw new Error(text) } }]))),
  'an Error whose getters throw': (text) => Object.defineProperties(Object.create(Error.prototype) as Error, Object.fromEntries(
    ['statusCode', 'status', 'code', 'message', 'validation', 'stack', 'cause']
      .map(key => [key, { enumerable: true, get () { throw new Error(text) } }]))),
  'an Error with a circular cause': (text) => {
    const error = new Error(text) as Error & { cause?: unknown }
    const middle = new Error('middle', { cause: error })
    error.cause = middle
    return error
  },
  'an Error with an odd statusCode': (text, any) => Object.assign(new Error(text), {
    statusCode: [99, 600, Number.NaN, '401', 401.5, -1, Infinity, 1e100, 10n, any][text.length % 10]
  }),
  'an Error with a 4xx status': (text) => Object.assign(new Error(text), { statusCode: 400 + (text.length % 100) }),
  'an Error with a 5xx status': (text) => Object.assign(new Error(text), { status: 500 + (text.length % 100) }),
  'a frozen object': (text, any) => Object.freeze({ message: text, statusCode: 401, inner: any }),
  'a function with properties': (text) => Object.assign(function thrown () {}, { message: text, statusCode: 403 }),
  'a BigInt': (text) => BigInt(text.length),
  'a symbol': (text) => Symbol(text),
  'a Fastify-like error': (text) => Object.assign(new Error(text), {
    code: ['FST_ERR_CTP_INVALID_MEDIA_TYPE', 'FST_ERR_CTP_BODY_TOO_LARGE', 'FST_ERR_CTP_INVALID_JSON_BODY', 'FST_JWT_NO_AUTHORIZATION_IN_HEADER',
      'FST_JWT_AUTHORIZATION_TOKEN_EXPIRED', 'FST_BEARER_AUTH_INVALID_AUTHORIZATION_HEADER', '__proto__', 'constructor', text][text.length % 9],
    statusCode: 400
  }),
  'a validation error with a hostile message': (text) => Object.assign(new Error(text), { validation: [{ message: text }], statusCode: 400 }),
  'a fake AuthError brand': (text, any) => ({ [Symbol.for('fastify-auth-errors.AuthError')]: true, error: text, options: any }),
  'an AuthError with a hostile cause': (_text, any) => new AuthError('invalid_grant', { cause: any, description: String(typeof any) }),
  'an AuthError with an odd status': (text) => new AuthError('invalid_request', { status: [99, 600, Number.NaN, 401.5, 503][text.length % 5] as number })
}

/**
 * A thrown value, described: fast-check looks into the values it generates (to clone and print
 * them), so a Proxy whose traps throw is built from its description only inside the property
 * ({@link makeThrown}). The description is what fast-check prints as the counterexample.
 */
export interface ThrownCase {
  readonly kind: string
  readonly text: string
  readonly any: unknown
  readonly authError: { readonly code: string, readonly options: AuthErrorOptions, readonly status: number | undefined }
}

/** Every kind of {@link ThrownCase}: `fc.anything()`, a hostile string, an AuthError with hostile options, and the builders above. */
export const thrownCase: fc.Arbitrary<ThrownCase> = fc.record({
  kind: fc.oneof(
    { weight: 4, arbitrary: fc.constant('anything') },
    { weight: 1, arbitrary: fc.constant('a hostile string') },
    { weight: 2, arbitrary: fc.constant('an AuthError with hostile options') },
    { weight: 6, arbitrary: fc.constantFrom(...Object.keys(HOSTILE_VALUES)) }
  ),
  text: hostileString,
  authError: fc.record({ code: anyCode, options: hostileOptions, status: fc.option(fc.integer({ min: 400, max: 599 }), { nil: undefined }) }),
  any: fc.anything({
    withBigInt: true,
    withBoxedValues: true,
    withDate: true,
    withMap: true,
    withSet: true,
    withNullPrototype: true,
    withObjectString: true,
    withSparseArray: true,
    withTypedArray: true,
    withUnicodeString: true
  })
})

/** Builds the value a {@link ThrownCase} describes (a fresh one on every call). */
export function makeThrown (thrown: ThrownCase): unknown {
  if (thrown.kind === 'anything') return thrown.any
  if (thrown.kind === 'a hostile string') return thrown.text
  if (thrown.kind === 'an AuthError with hostile options') {
    const { code, options, status } = thrown.authError
    return new AuthError(code as 'invalid_request', { ...options, status })
  }
  return (HOSTILE_VALUES[thrown.kind] as (text: string, any: unknown) => unknown)(thrown.text, thrown.any)
}

/** fast-check parameters of every property: this run's seed and number of runs. */
export const PARAMS: Readonly<{ seed: number, numRuns: number }> = Object.freeze({ seed: SEED, numRuns: RUNS })
