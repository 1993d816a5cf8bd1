import Fastify from 'fastify'
import { expect, test } from 'tstyche'
import authErrors, { type AuthErrorOptions, type AuthErrorsOptions, type AuthRedirectOptions } from '../../lib/index.js'
import type { ErrorPageView } from '../../lib/locales.js'

const app = Fastify()

test('P1 locales, defaultLocale and errorPage are typed registration options', () => {
  expect(app.register).type.toBeCallableWith(authErrors, {
    locales: { fr: { access_denied: { title: 'Accès refusé', description: 'Refusé.' }, $page: { errorTitle: 'Erreur', continueLabel: 'Continuer' } } },
    defaultLocale: 'fr',
    errorPage: (view: ErrorPageView) => `<p nonce="${view.nonce}">${view.code} ${view.status}</p>`
  })
  expect(app.register).type.not.toBeCallableWith(authErrors, { locales: { fr: { access_denied: 'Refusé' } } })
  expect(app.register).type.not.toBeCallableWith(authErrors, { locales: { fr: { $page: { errorTitle: 1 } } } })
  expect(app.register).type.not.toBeCallableWith(authErrors, { defaultLocale: 1 })
  expect(app.register).type.not.toBeCallableWith(authErrors, { errorPage: '<p>' })
  expect<Parameters<NonNullable<AuthErrorsOptions['errorPage']>>[0]>().type.toBe<ErrorPageView>()
  expect<ErrorPageView['uri']>().type.toBe<string | undefined>()
})

test('P1 uiLocales is a call option of authRedirect and authError', () => {
  expect<AuthRedirectOptions['uiLocales']>().type.toBe<string | undefined>()
  expect<AuthErrorOptions['uiLocales']>().type.toBe<string | undefined>()
  app.get('/', (_request, reply) => {
    expect(reply.authRedirect).type.toBeCallableWith('access_denied', { redirectUri: undefined, uiLocales: 'fr-CA fr' })
    expect(reply.authError).type.toBeCallableWith('invalid_request', { uiLocales: 'fr' })
    expect(reply.authError).type.not.toBeCallableWith('invalid_request', { uiLocales: ['fr'] })
  })
})
