// @ts-check
/**
 * The demo's authorization endpoint, `GET|POST /authorize` (response_type=code, PKCE S256 for
 * public clients). An unknown client or an unregistered redirect_uri is answered directly, never
 * redirected (RULES A1); every other error goes back to the client by query, fragment,
 * form_post or JARM with `state` and `iss` (`reply.authRedirect`). A success goes back the same
 * way; its form_post page is as strict as the plugin's: a CSP that allows only its own inline
 * script, by hash, and every value HTML-escaped.
 */
import { createHash } from 'node:crypto'
import { AuthError } from 'fastify-auth-errors'
import { ACR_MFA, ACR_PASSWORD, grantedScope, opaque, paramsOf, required, single } from './shared.js'

/** @typedef {import('./shared.js').DemoClient} DemoClient */

const CODE_LIFETIME = 60
const PKCE_CHALLENGE = /^[A-Za-z0-9_-]{43}$/
/** The response modes the demo serves (OAuth 2.0 Multiple Response Types, Form Post, JARM). */
export const RESPONSE_MODES = new Set(['query', 'fragment', 'form_post', 'jwt', 'query.jwt', 'fragment.jwt', 'form_post.jwt'])

/** The form_post page's only script: constant, so its CSP hash is computed once. */
const SUBMIT_SCRIPT = 'document.forms[0].submit()'
const SUBMIT_SCRIPT_HASH = `'sha256-${createHash('sha256').update(SUBMIT_SCRIPT).digest('base64')}'`
/** @type {Readonly<Record<string, string>>} */
const HTML_ESCAPES = Object.freeze({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\'': '&#39;', '\t': '&#9;', '\n': '&#10;', '\r': '&#13;' })

/**
 * Escapes text for a double-quoted attribute value or a text node (tab, CR and LF too, so the
 * HTML parser's newline normalisation leaves them alone).
 *
 * @param {string} text
 * @returns {string}
 */
export function escapeHtml (text) {
  return text.replace(/[&<>"'\t\n\r]/g, char => /** @type {string} */ (HTML_ESCAPES[char]))
}

/**
 * The form_post page's CSP: only its own script runs, nothing loads, and the form may only be
 * submitted to the redirect URI's origin (or scheme, for a native app's private-use scheme).
 *
 * @param {string} redirectUri a registered redirect URI
 * @returns {string}
 */
export function formPostCsp (redirectUri) {
  const url = new URL(redirectUri)
  const target = url.origin === 'null' ? url.protocol : url.origin
  return `default-src 'none'; script-src ${SUBMIT_SCRIPT_HASH}; form-action ${target}; base-uri 'none'`
}

/**
 * The auto-submitting form_post page (OAuth 2.0 Form Post Response Mode).
 *
 * @param {string} action
 * @param {Record<string, string>} fields
 * @returns {string}
 */
export function renderFormPost (action, fields) {
  const inputs = Object.entries(fields).map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`).join('')
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>Submit</title></head><body><form method="post" action="${escapeHtml(action)}">${inputs}<noscript><button>Continue</button></noscript></form><script>${SUBMIT_SCRIPT}</script></body></html>`
}

/**
 * Adds the authorization endpoint.
 *
 * @param {import('fastify').FastifyInstance} app
 * @param {import('./shared.js').DemoContext} context
 */
export function registerAuthorizationEndpoint (app, { issuer, clients, stores: { codes }, now, sign }) {
  /**
   * The demo's user agrees to everything: the code goes back by the requested response mode.
   *
   * @param {import('fastify').FastifyReply} reply
   * @param {{ redirectUri: string, mode: string, clientId: string, fields: Record<string, string> }} response
   */
  async function deliverCode (reply, { redirectUri, mode, clientId, fields }) {
    /** @type {Record<string, string>} */
    let params = { ...fields, iss: issuer }
    let delivery = mode
    if (mode.endsWith('jwt')) {
      params = { response: await sign({ ...fields, iss: issuer, aud: clientId, exp: now() + 600 }) }
      delivery = mode === 'jwt' ? 'query' : mode.slice(0, -4)
    }
    reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer')
    const encoded = new URLSearchParams(params).toString()
    if (delivery === 'form_post') {
      return reply.type('text/html; charset=utf-8').header('content-security-policy', formPostCsp(redirectUri)).send(renderFormPost(redirectUri, params))
    }
    const location = delivery === 'fragment' ? redirectUri + '#' + encoded : redirectUri + (redirectUri.includes('?') ? '&' : '?') + encoded
    return reply.code(reply.request.method === 'POST' ? 303 : 302).header('location', location).send()
  }

  /** @type {import('fastify').RouteHandlerMethod} */
  async function authorize (request, reply) {
    /** @type {URLSearchParams} */
    let params
    /** @type {DemoClient | undefined} */
    let client
    /** @type {string | undefined} */
    let redirectUri
    try {
      params = paramsOf(request)
      const clientId = required(params, 'client_id')
      client = clients.get(clientId)
      if (client === undefined) throw new AuthError('invalid_client', { description: 'The client_id is unknown' })
      const requested = single(params, 'redirect_uri')
      redirectUri = requested === undefined && client.redirect_uris.length === 1 ? client.redirect_uris[0] : client.redirect_uris.find(uri => uri === requested)
      if (redirectUri === undefined) throw new AuthError('invalid_request', { description: 'The redirect_uri is missing or not registered for this client' })
    } catch (error) {
      // RULES A1: without a trusted client and redirect URI, never redirect: the plugin answers directly.
      return reply.authRedirect(/** @type {AuthError} */ (error), { redirectUri: undefined })
    }
    const trusted = client
    const target = redirectUri
    const state = params.getAll('state').length === 1 ? single(params, 'state') : undefined
    const responseType = params.getAll('response_type').length === 1 ? single(params, 'response_type') : undefined
    const requestedMode = params.getAll('response_mode').length === 1 ? single(params, 'response_mode') : undefined
    const responseMode = requestedMode !== undefined && RESPONSE_MODES.has(requestedMode) ? requestedMode : undefined
    /** @type {Record<string, string>} */
    let fields
    try {
      if (requestedMode !== undefined && responseMode === undefined) throw new AuthError('invalid_request', { description: 'The response_mode is not supported' })
      for (const name of ['state', 'response_type', 'response_mode']) single(params, name)
      const type = required(params, 'response_type')
      if (type !== 'code') throw new AuthError('unsupported_response_type', { description: 'The demo supports response_type=code only' })
      if (!trusted.grant_types.includes('authorization_code')) throw new AuthError('unauthorized_client')
      const challenge = single(params, 'code_challenge')
      const method = single(params, 'code_challenge_method')
      if (challenge === undefined && trusted.client_secret === undefined) throw new AuthError('invalid_request', { description: 'A public client must send a PKCE code_challenge' })
      if (challenge !== undefined && !PKCE_CHALLENGE.test(challenge)) throw new AuthError('invalid_request', { description: 'The code_challenge is malformed' })
      if (method !== undefined ? method !== 'S256' || challenge === undefined : challenge !== undefined) {
        throw new AuthError('invalid_request', { description: 'The code_challenge_method must be S256' })
      }
      const scope = grantedScope(trusted, single(params, 'scope'))
      if (single(params, 'prompt') === 'none') throw new AuthError('login_required')
      const acr = (single(params, 'acr_values') ?? '').split(' ').includes(ACR_MFA) ? ACR_MFA : ACR_PASSWORD
      const code = opaque()
      codes.set(code, { clientId: trusted.client_id, redirectUri: single(params, 'redirect_uri'), challenge, scope, acr, authTime: now(), exp: now() + CODE_LIFETIME, used: false, tokens: [] })
      fields = state === undefined ? { code } : { code, state }
    } catch (error) {
      // Every other failure goes back to the client's redirect URI (RULES A3); only AuthErrors are thrown above.
      return reply.authRedirect(/** @type {AuthError} */ (error), {
        redirectUri: target, responseType, responseMode, state, clientId: trusted.client_id, jarm: { sign }
      })
    }
    return deliverCode(reply, { redirectUri: target, mode: responseMode ?? 'query', clientId: trusted.client_id, fields })
  }

  app.get('/authorize', { config: { authErrors: { endpoint: 'authorization' } } }, authorize)
  app.post('/authorize', { config: { authErrors: { endpoint: 'authorization' } } }, authorize)
}
