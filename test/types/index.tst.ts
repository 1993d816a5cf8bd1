import Fastify from 'fastify'
import { expect, test } from 'tstyche'
import { instrumentAuthErrors } from '../../lib/otel.js'
import authErrors, {
  type AuthErrorDelivery,
  type AuthErrorEvent,
  AuthError, isAuthError, OAuthErrorSchema, AuthProblemSchema, catalog,
  type AuthErrorCode, type AuthErrorOptions, type AuthErrorsOptions, type CatalogEntry
} from '../../lib/index.js'

declare module '../../lib/index.js' {
  interface AuthErrorCodes {
    account_locked: true
  }
}

const app = Fastify()

test('the plugin registers with typed options', () => {
  expect(app.register(authErrors, { realm: 'api', format: 'problem' })).type.not.toBeAssignableTo<never>()
  expect(app.register).type.toBeCallableWith(authErrors, { realm: 'api', issuer: 'https://as.example.com' })
  expect(app.register).type.not.toBeCallableWith(authErrors, { format: 'xml' })
  expect<AuthErrorsOptions['schemes']>().type.toBe<readonly ('Bearer' | 'DPoP')[] | undefined>()
})

test('a known code compiles, an unknown code is a compile error', () => {
  expect(AuthError).type.toBeConstructableWith('invalid_grant')
  expect(AuthError).type.toBeConstructableWith('insufficient_scope', { scope: 'read' })
  expect(AuthError).type.not.toBeConstructableWith('invalid_grnt')
  expect(AuthError).type.not.toBeConstructableWith('invalid_grant', { status: '400' })
})

test('a code added by declaration merging compiles', () => {
  expect(AuthError).type.toBeConstructableWith('account_locked')
  expect<'account_locked'>().type.toBeAssignableTo<AuthErrorCode>()
})

test('AuthError keeps its literal code', () => {
  expect(new AuthError('invalid_grant').error).type.toBe<'invalid_grant'>()
  expect(new AuthError('invalid_grant')).type.toBeAssignableTo<Error>()
  const value: unknown = null
  if (isAuthError(value)) expect(value).type.toBe<AuthError>()
})

test('reply decorators are typed by code', () => {
  app.get('/', async (_request, reply) => {
    expect(reply.authError).type.toBeCallableWith('invalid_token')
    expect(reply.authError).type.toBeCallableWith(new AuthError('invalid_grant'))
    expect(reply.authError).type.toBeCallableWith('account_locked', { description: 'Locked' })
    expect(reply.authError).type.not.toBeCallableWith('not_a_code')
    expect(reply.authError).type.not.toBeCallableWith(400)
    expect(reply.authChallenge).type.toBeCallableWith()
    expect(reply.authChallenge).type.toBeCallableWith({ schemes: ['Bearer', 'DPoP'] })
    expect(reply.authChallenge).type.not.toBeCallableWith({ schemes: ['Basic'] })
    return reply.authError('invalid_token')
  })
})

test('fastify.authErrors is typed', () => {
  expect(app.authErrors.catalog).type.toBeAssignableTo<Readonly<Record<string, CatalogEntry>>>()
  expect(app.authErrors.create('invalid_grant')).type.toBe<AuthError<'invalid_grant'>>()
  expect(app.authErrors.create).type.not.toBeCallableWith('nope')
})

test('route config takes authErrors settings', () => {
  expect(app.post).type.toBeCallableWith('/token', { config: { authErrors: { endpoint: 'token' } } }, async () => 'ok')
  expect(app.post).type.not.toBeCallableWith('/token', { config: { authErrors: { endpoint: 'nowhere' } } }, async () => 'ok')
})

test('the catalog and schemas are exported', () => {
  expect(catalog.invalid_grant.status).type.toBe<number>()
  expect(OAuthErrorSchema.$id).type.toBe<string | undefined>()
  expect(AuthProblemSchema).type.not.toBeAssignableTo<string>()
  expect<AuthErrorOptions['maxAge']>().type.toBe<number | undefined>()
})

test('reply.authRedirect is typed by code and needs a redirect URI', () => {
  app.get('/authorize', async (_request, reply) => {
    expect(reply.authRedirect).type.toBeCallableWith('access_denied', { redirectUri: 'https://client.example.com/cb', state: 'xyz' })
    expect(reply.authRedirect).type.toBeCallableWith('login_required', { redirectUri: 'https://client.example.com/cb', responseType: 'id_token', responseMode: 'form_post' })
    expect(reply.authRedirect).type.toBeCallableWith(new AuthError('invalid_scope'), { redirectUri: undefined })
    expect(reply.authRedirect).type.toBeCallableWith('access_denied', {
      redirectUri: 'https://client.example.com/cb', responseMode: 'jwt', clientId: 'c', jarm: { sign: async () => 'jwt' }
    })
    expect(reply.authRedirect).type.not.toBeCallableWith('access_denied')
    expect(reply.authRedirect).type.not.toBeCallableWith('not_a_code', { redirectUri: 'https://client.example.com/cb' })
    expect(reply.authRedirect).type.not.toBeCallableWith('access_denied', { redirectUri: 'https://client.example.com/cb', jarm: { sign: () => 42 } })
    return reply
  })
})

test('responses() takes codes, endpoint kinds and options', () => {
  expect(app.authErrors.responses).type.toBeCallableWith('token')
  expect(app.authErrors.responses).type.toBeCallableWith('invalid_grant', 'resource', { format: 'problem' })
  expect(app.authErrors.responses).type.not.toBeCallableWith('nowhere_at_all')
})

test('AuthError.from, challenge(), onAuthError, reason and the otel entry are typed', () => {
  expect(AuthError.from(new Error('x'))).type.toBe<AuthError>()
  expect(AuthError.from).type.toBeCallableWith(new Error('x'), { token: 'client_assertion', description: 'The assertion expired' })
  expect(AuthError.from).type.not.toBeCallableWith(new Error('x'), { token: 'password' })
  expect(app.authErrors.challenge('insufficient_scope', { scope: 'read' })).type.toBe<string | undefined>()
  expect(app.authErrors.challenge).type.not.toBeCallableWith('not_a_code')
  expect(authErrors).type.toBeCallableWith(app, { onAuthError: (event: AuthErrorEvent) => { expect(event.delivery).type.toBe<AuthErrorDelivery>() } }, () => {})
  expect<AuthErrorOptions['reason']>().type.toBe<string | undefined>()
  expect(app.post).type.toBeCallableWith('/token', { config: { authErrors: { endpoint: 'token', token: 'client_assertion' } } }, async () => 'ok')
  expect(instrumentAuthErrors()).type.toBe<() => void>()
})
