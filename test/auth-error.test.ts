import t from 'tap'
import Fastify from 'fastify'
import authErrors, { AuthError, isAuthError, type AuthErrorCode } from '../lib/index.js'

t.test('AuthError is a real Error subclass with its code, options and a useful message', async t => {
  const error = new AuthError('invalid_grant', { description: 'The code expired', status: 400 })
  t.ok(error instanceof Error)
  t.ok(error instanceof AuthError)
  t.equal(error.name, 'AuthError')
  t.equal(error.error, 'invalid_grant')
  t.equal(error.message, 'The code expired')
  t.equal(error.statusCode, 400)
  t.match(error.stack, /AuthError: The code expired/)
  t.ok(Object.isFrozen(error.options))
})

t.test('without a description the message is the catalog\'s; the status is the catalog\'s or 400', async t => {
  const error = new AuthError('invalid_token')
  t.match(error.message, /access token/)
  t.equal(error.statusCode, 401)
  const custom = new AuthError('my_own_code' as AuthErrorCode)
  t.equal(custom.message, 'my_own_code')
  t.equal(custom.statusCode, 400)
})

t.test('the cause is kept as Error#cause', async t => {
  const cause = new Error('inner')
  t.equal(new AuthError('server_error', { cause }).cause, cause)
  t.equal(new AuthError('server_error').cause, undefined)
})

t.test('B1 a code outside the error charset is a programming error at the call site', async t => {
  for (const code of ['', 'bad"code', 'new\nline', 'caf\u00e9', 42, null]) {
    t.throws(() => new AuthError(code as AuthErrorCode), TypeError, String(code))
  }
  t.throws(() => new AuthError('x\r\n'.repeat(100) as AuthErrorCode), { message: /is not a valid OAuth error code/ })
})

t.test('options that are not an object are ignored', async t => {
  const error = new AuthError('invalid_grant', 'oops' as unknown as undefined)
  t.same(error.options, {})
  const nullOptions = new AuthError('invalid_grant', null as unknown as undefined)
  t.same(nullOptions.options, {})
})

t.test('instanceof and isAuthError recognise the Symbol.for brand, and nothing else', async t => {
  const brand = Symbol.for('fastify-auth-errors.AuthError')
  const foreign = Object.assign(Object.create(Error.prototype), { [brand]: true, error: 'invalid_grant' })
  t.ok(foreign instanceof AuthError, 'a copy from another install is recognised')
  t.ok(isAuthError(foreign))
  t.notOk({} instanceof AuthError)
  t.notOk(new Error('x') instanceof AuthError)
  t.notOk(isAuthError(null))
  t.notOk(isAuthError('invalid_grant'))
  class SubError extends AuthError {}
  t.ok(new SubError('invalid_grant') instanceof AuthError, 'subclasses are AuthErrors')
})

// The stack of an AuthError (formerly test/auth-error-stack.test.ts)

const FRAME = /\n\s+at /

t.test('a 4xx AuthError is built without stack frames, a 5xx one keeps them for the log', async t => {
  const limit = Error.stackTraceLimit
  const client = new AuthError('invalid_grant', { description: 'The code expired' })
  t.equal(client.stack, 'AuthError: The code expired', 'only the name and message line')
  t.notMatch(new AuthError('invalid_token').stack, FRAME, 'the catalog status (401) decides')
  t.notMatch(new AuthError('server_error', { status: 429 }).stack, FRAME, 'an explicit 4xx status decides')
  t.notMatch(new AuthError('my_own_code' as 'invalid_grant').stack, FRAME, 'a code the built-in catalog lacks counts as 400')
  t.match(new AuthError('server_error').stack, FRAME, 'the catalog status (500) decides')
  t.match(new AuthError('temporarily_unavailable').stack, FRAME)
  t.match(new AuthError('invalid_grant', { status: 503 }).stack, FRAME, 'an explicit 5xx status decides')
  t.equal(Error.stackTraceLimit, limit, 'Error.stackTraceLimit is left as it was')
  t.match(new Error('after').stack, FRAME, 'errors built afterwards still capture their stack')
})

t.test('the stack of a 4xx AuthError is formatted as V8 formats an error without frames', async t => {
  const empty = new AuthError('invalid_grant', { description: '' })
  t.equal(empty.stack, 'AuthError', 'an empty message leaves the name alone')
  t.equal(empty.stack, new AuthError('server_error', { description: '' }).stack?.split('\n')[0])
  t.equal(new AuthError('invalid_grant', { description: 'x' }).stack, new AuthError('server_error', { description: 'x' }).stack?.split('\n')[0],
    'the same first line as a 5xx error that kept its frames')

  class TokenError extends AuthError {
    override get name (): string {
      return 'TokenError'
    }
  }
  t.equal(new TokenError('invalid_token', { description: 'Expired' }).stack, 'TokenError: Expired', 'a subclass keeps its own name')

  t.equal(Object.getOwnPropertyDescriptor(new AuthError('invalid_grant'), 'stack')?.enumerable, false, 'stack stays a non-enumerable own property')
  const limit = Error.stackTraceLimit
  try {
    Error.stackTraceLimit = 3
    new AuthError('invalid_grant') // eslint-disable-line no-new
    t.equal(Error.stackTraceLimit, 3, 'an application\'s own limit is put back')
  } finally {
    Error.stackTraceLimit = limit
  }
})

t.test('codes named like properties of Object.prototype are codes like any other', async t => {
  for (const code of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
    const error = new AuthError(code as 'invalid_grant')
    t.equal(error.message, code, `${code}: the code stands in for a description`)
    t.equal(error.statusCode, 400, `${code}: status 400`)
    t.notMatch(error.stack, FRAME)
  }
})

t.test('S1 the stack of a thrown 5xx AuthError reaches the log, the body stays generic', async t => {
  const logged: Array<{ err?: { stack?: string } }> = []
  const app = Fastify({
    logger: {
      level: 'error',
      stream: { write: (line: string) => { logged.push(JSON.parse(line)) } }
    }
  })
  await app.register(authErrors)
  app.get('/', async function failingRoute () {
    throw new AuthError('server_error', { description: 'The ledger is down' })
  })
  const response = await app.inject('/')
  t.equal(response.statusCode, 500)
  t.notMatch(response.body, /failingRoute|\bat\b/)
  t.match(logged[0]?.err?.stack, /failingRoute/)
})

t.test('S5 AuthError copies its options: the caller\'s object is untouched, an own __proto__ key stays a key', async t => {
  const options = { description: 'The code expired', status: 400 }
  const error = new AuthError('invalid_grant', options)
  t.ok(Object.isFrozen(error.options))
  t.not(error.options, options)
  t.same(error.options, options)
  t.notOk(Object.isFrozen(options), 'the caller\'s object is not frozen')

  const parsed = JSON.parse('{"__proto__":{"polluted":true},"description":"From JSON"}') as { description: string }
  const fromJson = new AuthError('invalid_grant', parsed)
  t.equal(Object.getPrototypeOf(fromJson.options), Object.prototype, 'the prototype is not set through the key')
  t.ok(Object.hasOwn(fromJson.options, '__proto__'))
  t.equal((fromJson.options as { polluted?: boolean }).polluted, undefined)
  t.equal(fromJson.options.description, 'From JSON')
  t.ok(Object.isFrozen(fromJson.options))

  const bare = new AuthError('invalid_grant')
  t.ok(Object.isFrozen(bare.options))
  t.same(bare.options, {})
})

t.test('S2 an option getter that throws leaves Error.stackTraceLimit as it was', async t => {
  const limit = Error.stackTraceLimit
  for (const key of ['description', 'cause', 'status']) {
    const hostile = Object.defineProperty({}, key, { enumerable: true, get () { throw new Error('getter') } })
    t.throws(() => new AuthError('invalid_grant', hostile), /getter/, key)
    t.equal(Error.stackTraceLimit, limit, `${key}: the process keeps its stack limit`)
    t.match(new Error('later').stack, /\n\s+at /, `${key}: later errors still have frames`)
  }
})
