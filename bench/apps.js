// The applications the benchmarks measure, and the table of measured routes.
//
// Three Fastify instances live in one process:
// - `plain`: no plugin. Every hand-written baseline, the hand-written twin of each plugin route,
//   and the success route without the plugin.
// - `plugin`: the built package registered with its defaults (realm "api", Bearer).
// - `dpop`: the built package registered for a DPoP-only resource server.
//
// Each plugin route names its hand-written `twin`: a route of `plain` that sends the same
// response (status, headers, body) the way an application would write it by hand. `verify`
// checks that the two really answer alike before anything is timed, so every ratio compares
// equal work.
import { createHash } from 'node:crypto'
import { isDeepStrictEqual } from 'node:util'
import Fastify from 'fastify'
import sensible from '@fastify/sensible'
import authErrors, * as pkg from '../dist/esm/index.js'

const { AuthError } = pkg

/** The optional features of the built package, detected on the registered apps. */
export function featuresOf (apps) {
  return { authRedirect: apps.plugin.hasReplyDecorator('authRedirect'), events: typeof pkg.AUTH_ERROR_CHANNEL === 'string' }
}

const DESCRIPTION = 'The authorization code has expired'
const TOKEN_DESCRIPTION = 'The access token expired'
const DPOP_DESCRIPTION = 'Resource server requires nonce in DPoP proof'
const PROBLEM_DESCRIPTION = 'The request is missing the account parameter'
const NONCE = 'eyJ7S_zG.eyJH0-Z.HX4w-7v'
const REDIRECT_URI = 'https://client.example.com/cb?tenant=7'
const STATE = 'af0ifjsldkj'
const REDIRECT_DESCRIPTION = 'The resource owner denied the request'
const JSON_TYPE = 'application/json; charset=utf-8'
const PROBLEM_TYPE = 'application/problem+json; charset=utf-8'

const OAUTH_ERROR_SCHEMA = {
  type: 'object',
  properties: {
    error: { type: 'string' },
    error_description: { type: 'string' },
    error_uri: { type: 'string' }
  },
  required: ['error']
}

const FORM_SCRIPT = 'document.forms[0].submit()'
const FORM_SCRIPT_HASH = `'sha256-${createHash('sha256').update(FORM_SCRIPT).digest('base64')}'`

const STATIC_BODY = JSON.stringify({ error: 'invalid_grant', error_description: DESCRIPTION })

/** Escapes text for HTML, the way a hand-written page would. */
function escapeHtml (value) {
  return value.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\'': '&#39;' })[char])
}

/**
 * Registers the hand-written routes on the app without the plugin.
 */
function plainRoutes (app) {
  // The ceiling: a body stringified once, at startup.
  app.post('/static', (request, reply) => {
    reply.code(400).header('cache-control', 'no-store').header('pragma', 'no-cache')
      .header('content-type', JSON_TYPE).send(STATIC_BODY)
  })
  // What an application writes by hand.
  app.post('/hand', (request, reply) => {
    reply.code(400).header('cache-control', 'no-store').header('pragma', 'no-cache')
      .send({ error: 'invalid_grant', error_description: DESCRIPTION })
  })
  // The same, with a response schema so Fastify compiles the serializer.
  app.post('/hand-schema', { schema: { response: { 400: OAUTH_ERROR_SCHEMA } } }, (request, reply) => {
    reply.code(400).header('cache-control', 'no-store').header('pragma', 'no-cache')
      .send({ error: 'invalid_grant', error_description: DESCRIPTION })
  })
  app.post('/sensible', (request, reply) => {
    reply.badRequest(DESCRIPTION)
  })
  // A thrown Error answered by Fastify's default error handler.
  app.post('/throw-400', () => {
    const error = new Error(DESCRIPTION)
    error.statusCode = 400
    throw error
  })
  app.post('/throw-500', () => {
    throw new Error('database connection lost')
  })
  // The least any thrown error can cost: one built at startup, thrown, and answered by an
  // error handler that sends the hand-written reply (no construction, no decision).
  const prebuilt = new Error(DESCRIPTION)
  app.register(async function handWrittenErrorHandler (child) {
    child.setErrorHandler((error, request, reply) => {
      reply.code(400).header('cache-control', 'no-store').header('pragma', 'no-cache')
        .send({ error: 'invalid_grant', error_description: error.message })
    })
    child.post('/throw-prebuilt', () => {
      throw prebuilt
    })
  })
  app.get('/resource', (request, reply) => {
    reply.code(401)
      .header('www-authenticate', `Bearer realm="api", error="invalid_token", error_description="${TOKEN_DESCRIPTION}"`)
      .header('access-control-expose-headers', 'WWW-Authenticate')
      .header('cache-control', 'no-store').header('pragma', 'no-cache')
      .send({ error: 'invalid_token', error_description: TOKEN_DESCRIPTION })
  })
  app.get('/dpop', (request, reply) => {
    reply.code(401)
      .header('dpop-nonce', NONCE)
      .header('www-authenticate', `DPoP realm="api", error="use_dpop_nonce", error_description="${DPOP_DESCRIPTION}", algs="ES256 EdDSA"`)
      .header('access-control-expose-headers', 'WWW-Authenticate, DPoP-Nonce')
      .header('cache-control', 'no-store').header('pragma', 'no-cache')
      .send({ error: 'use_dpop_nonce', error_description: DPOP_DESCRIPTION })
  })
  app.get('/problem', (request, reply) => {
    reply.code(400)
      .header('cache-control', 'no-store').header('pragma', 'no-cache')
      .header('content-type', PROBLEM_TYPE)
      .send({
        type: 'tag:fastify-auth-errors,2026:invalid_request',
        title: 'Invalid request',
        status: 400,
        detail: PROBLEM_DESCRIPTION,
        error: 'invalid_request'
      })
  })
  app.get('/authorize', (request, reply) => {
    const url = new URL(REDIRECT_URI)
    url.searchParams.set('error', 'access_denied')
    url.searchParams.set('error_description', REDIRECT_DESCRIPTION)
    url.searchParams.set('state', STATE)
    reply.code(302).header('cache-control', 'no-store').header('pragma', 'no-cache')
      .header('referrer-policy', 'no-referrer').header('location', url.href).send()
  })
  app.get('/authorize-form', (request, reply) => {
    const fields = { error: 'access_denied', error_description: REDIRECT_DESCRIPTION, state: STATE }
    let inputs = ''
    for (const [name, value] of Object.entries(fields)) {
      inputs += `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">\n`
    }
    reply.code(200)
      .header('cache-control', 'no-store').header('pragma', 'no-cache')
      .header('referrer-policy', 'no-referrer')
      .header('content-type', 'text/html; charset=utf-8')
      .header('content-language', 'en')
      .header('content-security-policy', `default-src 'none'; script-src ${FORM_SCRIPT_HASH}; form-action ${new URL(REDIRECT_URI).origin}; frame-ancestors ${new URL(REDIRECT_URI).origin}; base-uri 'none'`)
      .header('x-content-type-options', 'nosniff')
      .send(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex">
<title>Returning to the application</title>
</head>
<body>
<main>
<h1>Returning to the application</h1>
<form method="post" action="${escapeHtml(REDIRECT_URI)}">
${inputs}<noscript><p>Script is turned off. Press Continue to return to the application.</p><button type="submit">Continue</button></noscript>
</form>
</main>
<script>${FORM_SCRIPT}</script>
</body>
</html>
`)
  })
  app.get('/ok', () => ({ hello: 'world' }))
  // The least a route can answer: what `npm run bench:instructions` subtracts.
  app.get('/empty', (request, reply) => {
    reply.code(204).send()
  })
}

function pluginRoutes (app) {
  app.post('/auth-error', (request, reply) => {
    reply.authError('invalid_grant', { description: DESCRIPTION })
  })
  app.post('/throw-auth-error', () => {
    throw new AuthError('invalid_grant', { description: DESCRIPTION })
  })
  app.post('/auth-error-object', (request, reply) => {
    reply.authError(new AuthError('invalid_grant', { description: DESCRIPTION }))
  })
  app.post('/throw-error', () => {
    throw new Error('database connection lost')
  })
  app.get('/resource', { config: { authErrors: { endpoint: 'resource' } } }, (request, reply) => {
    reply.authError('invalid_token', { description: TOKEN_DESCRIPTION })
  })
  app.get('/problem', { config: { authErrors: { format: 'problem' } } }, (request, reply) => {
    reply.authError('invalid_request', { description: PROBLEM_DESCRIPTION })
  })
  app.get('/authorize', (request, reply) => {
    reply.authRedirect('access_denied', { redirectUri: REDIRECT_URI, state: STATE, description: REDIRECT_DESCRIPTION })
  })
  app.get('/authorize-form', (request, reply) => {
    reply.authRedirect('access_denied', { redirectUri: REDIRECT_URI, state: STATE, description: REDIRECT_DESCRIPTION, responseMode: 'form_post' })
  })
  app.get('/ok', () => ({ hello: 'world' }))
}

function dpopRoutes (app) {
  app.get('/dpop', { config: { authErrors: { endpoint: 'resource' } } }, (request, reply) => {
    reply.authError('use_dpop_nonce', { description: DPOP_DESCRIPTION, dpopNonce: NONCE })
  })
}

/**
 * Builds the three applications (not listening yet).
 */
export async function buildApps () {
  const plain = Fastify()
  await plain.register(sensible)
  plainRoutes(plain)

  const plugin = Fastify()
  await plugin.register(authErrors)
  pluginRoutes(plugin)

  const dpop = Fastify()
  await dpop.register(authErrors, { schemes: ['DPoP'], algs: ['ES256', 'EdDSA'] })
  dpopRoutes(dpop)

  // The same routes with one onAuthError listener: every error builds its event (RULES L3).
  const listened = Fastify()
  await listened.register(authErrors, typeof pkg.AUTH_ERROR_CHANNEL === 'string' ? { onAuthError () {} } : {})
  pluginRoutes(listened)

  await Promise.all([plain.ready(), plugin.ready(), dpop.ready(), listened.ready()])
  return { plain, plugin, dpop, listened }
}

const BEARER = { authorization: 'Bearer mF_9.B5f-4.1JqM' }
const DPOP = { authorization: 'DPoP Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU', dpop: 'eyJ0eXAiOiJkcG9wK2p3dCJ9.e30.sig' }

/**
 * The measured routes, each plugin route next to the hand-written route it is compared with, so
 * that in every round the two run seconds apart. `twin` names the hand-written route a ratio is taken against;
 * `targets` are the goals (`vs` a route id, `min` ratio of requests/s);
 * `same: true` means the twin must send the same response (checked by `verify`).
 * `needs: 'authRedirect'` routes are measured only when the built package has it.
 */
export const routes = [
  { id: 'hand', label: 'hand-written code().header().send(obj)', group: 'baseline', app: 'plain', method: 'POST', url: '/hand', status: 400, twin: 'hand' },
  { id: 'authError', label: "reply.authError('invalid_grant', { description })", group: 'plugin', app: 'plugin', method: 'POST', url: '/auth-error', status: 400, twin: 'hand', same: true, targets: [{ vs: 'hand', min: 1.05 }] },
  { id: 'authErrorObject', label: 'reply.authError(new AuthError(...)), not thrown', group: 'plugin', app: 'plugin', method: 'POST', url: '/auth-error-object', status: 400, twin: 'hand', same: true },
  { id: 'throwAuthError', label: "throw new AuthError('invalid_grant', { description })", group: 'plugin', app: 'plugin', method: 'POST', url: '/throw-auth-error', status: 400, twin: 'hand', same: true, targets: [{ vs: 'hand', min: 0.95 }, { vs: 'throw400', min: 1.3 }] },
  { id: 'throwFloor', label: 'throw of a prebuilt Error, hand-written error handler (floor)', group: 'baseline', app: 'plain', method: 'POST', url: '/throw-prebuilt', status: 400, twin: 'hand' },
  { id: 'throw400', label: 'throw Error (statusCode 400), default handler', group: 'baseline', app: 'plain', method: 'POST', url: '/throw-400', status: 400, twin: 'hand' },
  { id: 'static', label: 'static body, pre-stringified (ceiling)', group: 'baseline', app: 'plain', method: 'POST', url: '/static', status: 400, twin: 'hand' },
  { id: 'handSchema', label: 'hand-written + response schema', group: 'baseline', app: 'plain', method: 'POST', url: '/hand-schema', status: 400, twin: 'hand' },
  { id: 'sensible', label: '@fastify/sensible reply.badRequest', group: 'baseline', app: 'plain', method: 'POST', url: '/sensible', status: 400, twin: 'hand' },
  { id: 'throw500', label: 'throw Error, default handler (500)', group: 'baseline', app: 'plain', method: 'POST', url: '/throw-500', status: 500, twin: 'hand' },
  { id: 'serverError', label: 'throw Error -> server_error', group: 'plugin', app: 'plugin', method: 'POST', url: '/throw-error', status: 500, twin: 'throw500' },
  { id: 'handBearer', label: 'hand-written 401 + Bearer challenge', group: 'baseline', app: 'plain', method: 'GET', url: '/resource', headers: BEARER, status: 401, twin: 'handBearer' },
  { id: 'bearer', label: 'invalid_token 401 + Bearer challenge', group: 'plugin', app: 'plugin', method: 'GET', url: '/resource', headers: BEARER, status: 401, twin: 'handBearer', same: true, targets: [{ vs: 'handBearer', min: 0.95 }] },
  { id: 'handDpop', label: 'hand-written 401 + DPoP challenge + nonce', group: 'baseline', app: 'plain', method: 'GET', url: '/dpop', headers: DPOP, status: 401, twin: 'handDpop' },
  { id: 'dpop', label: 'use_dpop_nonce 401 + DPoP challenge + nonce', group: 'plugin', app: 'dpop', method: 'GET', url: '/dpop', headers: DPOP, status: 401, twin: 'handDpop', same: true, targets: [{ vs: 'handDpop', min: 0.95 }] },
  { id: 'handProblem', label: 'hand-written problem+json', group: 'baseline', app: 'plain', method: 'GET', url: '/problem', status: 400, twin: 'handProblem' },
  { id: 'problem', label: 'problem+json (route format)', group: 'plugin', app: 'plugin', method: 'GET', url: '/problem', status: 400, twin: 'handProblem', same: true, targets: [{ vs: 'handProblem', min: 0.95 }] },
  { id: 'handRedirect', label: 'hand-written 302, URL + URLSearchParams', group: 'baseline', app: 'plain', method: 'GET', url: '/authorize', status: 302, twin: 'handRedirect', needs: 'authRedirect' },
  { id: 'redirect', label: 'reply.authRedirect, query', group: 'plugin', app: 'plugin', method: 'GET', url: '/authorize', status: 302, twin: 'handRedirect', same: true, needs: 'authRedirect', targets: [{ vs: 'handRedirect', min: 0.95 }] },
  { id: 'handFormPost', label: 'hand-written form_post HTML page', group: 'baseline', app: 'plain', method: 'GET', url: '/authorize-form', status: 200, twin: 'handFormPost', needs: 'authRedirect' },
  { id: 'formPost', label: 'reply.authRedirect, form_post', group: 'plugin', app: 'plugin', method: 'GET', url: '/authorize-form', status: 200, twin: 'handFormPost', same: true, needs: 'authRedirect', targets: [{ vs: 'handFormPost', min: 0.95 }] },
  { id: 'authErrorListened', label: 'reply.authError with one onAuthError listener', group: 'events', app: 'listened', method: 'POST', url: '/auth-error', status: 400, twin: 'authError', needs: 'events', instructionsOnly: true },
  { id: 'authErrorOtel', label: 'reply.authError with fastify-auth-errors/otel on (sdk-metrics)', group: 'events', app: 'plugin', method: 'POST', url: '/auth-error', status: 400, twin: 'authError', needs: 'events', instructionsOnly: true, otel: true },
  { id: 'bearerOtel', label: 'invalid_token challenge with fastify-auth-errors/otel on', group: 'events', app: 'plugin', method: 'GET', url: '/resource', headers: BEARER, status: 401, twin: 'bearer', needs: 'events', instructionsOnly: true, otel: true },
  { id: 'okPlain', label: 'success route, app without the plugin', group: 'success', app: 'plain', method: 'GET', url: '/ok', status: 200, twin: 'okPlain' },
  { id: 'okPlugin', label: 'success route, app with the plugin', group: 'success', app: 'plugin', method: 'GET', url: '/ok', status: 200, twin: 'okPlain', same: true, targets: [{ vs: 'okPlain', min: 0.99 }] }
]

/** The request whose cost `npm run bench:instructions` subtracts: an empty 204 answer. */
export const emptyRoute = { id: 'empty', label: 'empty 204 route (subtracted)', group: 'baseline', app: 'plain', method: 'GET', url: '/empty', status: 204, twin: 'empty' }

/** The routes this build can measure. */
export function activeRoutes (features) {
  return routes.filter((route) => route.needs === undefined || features[route.needs])
}

/** The inject options of a route. */
export function injectOptions (route) {
  return { method: route.method, url: route.url, headers: route.headers, payload: route.body }
}

const IGNORED_HEADERS = new Set(['date', 'connection', 'keep-alive', 'content-length'])

function headersOf (response) {
  const headers = {}
  for (const [name, value] of Object.entries(response.headers)) {
    if (!IGNORED_HEADERS.has(name)) headers[name] = String(value)
  }
  return headers
}

function bodyOf (response) {
  const type = String(response.headers['content-type'] ?? '')
  return type.includes('json') ? JSON.parse(response.body) : response.body
}

function locationOf (response) {
  const location = response.headers.location
  if (location === undefined) return undefined
  const url = new URL(location)
  return { base: url.origin + url.pathname, params: Object.fromEntries([...url.searchParams].sort()) }
}

/**
 * Checks, with one inject each, that every route answers with its expected status and that
 * each plugin route marked `same` and its twin send the same response (status, headers, body;
 * a Location compared as a parsed URL). Returns the problems found.
 */
export async function verify (apps, list) {
  const problems = []
  const responses = new Map()
  for (const route of list) {
    responses.set(route.id, await apps[route.app].inject(injectOptions(route)))
  }
  for (const route of list) {
    const response = responses.get(route.id)
    if (response.statusCode !== route.status) {
      problems.push({ route: route.id, fatal: true, message: `status ${response.statusCode}, expected ${route.status}: ${response.body.slice(0, 200)}` })
      continue
    }
    if (!route.same) continue
    const twin = responses.get(route.twin)
    if (twin.statusCode !== response.statusCode) {
      problems.push({ route: route.id, fatal: true, message: `status ${response.statusCode}, twin ${route.twin} ${twin.statusCode}` })
      continue
    }
    const mine = headersOf(response)
    const theirs = headersOf(twin)
    const location = locationOf(response)
    if (location !== undefined) {
      delete mine.location
      delete theirs.location
      if (!isDeepStrictEqual(location, locationOf(twin))) {
        problems.push({ route: route.id, fatal: true, message: `Location differs: ${response.headers.location} / twin ${twin.headers.location}` })
      }
    }
    if (!isDeepStrictEqual(mine, theirs)) {
      problems.push({ route: route.id, fatal: true, message: `headers differ: ${JSON.stringify(mine)} / twin ${JSON.stringify(theirs)}` })
    }
    if (!isDeepStrictEqual(bodyOf(response), bodyOf(twin))) {
      problems.push({ route: route.id, fatal: true, message: `body differs: ${response.body} / twin ${twin.body}` })
    }
  }
  return problems
}
