import t from 'tap'
import { AuthError, isAuthError, type AuthErrorCode } from '../lib/index.js'

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
