// @ts-check
/**
 * The demo's protected resources: `GET /api/me` (any valid token), `GET /api/orders` (scope
 * orders:read), `GET /api/reports` (scope reports:read, errors as problem+json) and
 * `GET /api/payments` (step-up, RFC 9470). Bearer (RFC 6750) and DPoP (RFC 9449) tokens; no
 * credentials get the bare challenge (RULES E4); the plugin writes every challenge.
 */
import { AuthError } from 'fastify-auth-errors'
import { ACR_MFA } from './shared.js'

const STEP_UP_MAX_AGE = 300
const CREDENTIALS = /^(Bearer|DPoP) ([A-Za-z0-9\-._~+/]+=*)$/i

/**
 * Adds the protected resources.
 *
 * @param {import('fastify').FastifyInstance} app
 * @param {import('./shared.js').DemoContext} context
 */
export function registerResourceServer (app, { stores: { accessTokens }, dpop, now, originOf }) {
  /** @type {WeakMap<import('fastify').FastifyRequest, { clientId: string, scope: string, sub: string | undefined }>} the token of a resource request */
  const tokenOf = new WeakMap()

  /**
   * Checks the access token of a resource request (Bearer or DPoP) and the route's needs.
   * Without credentials the answer is the bare challenge (RULES E4); every failure is thrown
   * as an AuthError, and the plugin writes the challenge.
   *
   * @param {import('fastify').FastifyRequest} request
   * @param {import('fastify').FastifyReply} reply
   * @param {{ scope?: string, stepUp?: { acr: string, maxAge: number } }} needs
   */
  async function authenticate (request, reply, needs) {
    const authorization = request.headers.authorization
    if (authorization === undefined) return reply.authChallenge({ scope: needs.scope })
    const match = CREDENTIALS.exec(authorization)
    if (match === null) throw new AuthError('invalid_request', { description: 'The Authorization header is malformed' })
    const scheme = /** @type {string} */ (match[1]).toLowerCase()
    const value = /** @type {string} */ (match[2])
    const token = accessTokens.get(value)
    if (scheme === 'dpop') {
      const jkt = await dpop.verify({ proof: request.headers.dpop, method: request.method, url: originOf(request) + request.url, accessToken: value })
      if (token !== undefined && token.jkt !== jkt) throw new AuthError('invalid_token', { description: 'The access token is not bound to this DPoP key' })
    } else if (token?.jkt !== undefined) {
      throw new AuthError('invalid_token', { description: 'The access token is DPoP-bound: use the DPoP scheme' })
    }
    if (token === undefined || token.exp < now()) throw new AuthError('invalid_token', { description: 'The access token is unknown, expired or revoked' })
    if (needs.scope !== undefined && !token.scope.split(' ').includes(needs.scope)) throw new AuthError('insufficient_scope', { scope: needs.scope })
    const stepUp = needs.stepUp
    if (stepUp !== undefined && (token.acr !== stepUp.acr || now() - Number(token.authTime) > stepUp.maxAge)) {
      throw new AuthError('insufficient_user_authentication', { acrValues: [stepUp.acr], maxAge: stepUp.maxAge, description: 'A second factor within the last 5 minutes is required' })
    }
    tokenOf.set(request, token)
    return undefined
  }

  /**
   * @param {string} path
   * @param {{ scope?: string, stepUp?: { acr: string, maxAge: number } }} needs
   * @param {'oauth' | 'problem'} format
   */
  function resource (path, needs, format = 'oauth') {
    app.get(path, {
      config: { authErrors: { endpoint: 'resource', format } },
      preHandler: (request, reply) => authenticate(request, reply, needs)
    }, async (request) => {
      const token = /** @type {{ clientId: string, scope: string, sub: string | undefined }} */ (tokenOf.get(request))
      return { path, client_id: token.clientId, sub: token.sub, scope: token.scope }
    })
  }

  resource('/api/me', {})
  resource('/api/orders', { scope: 'orders:read' })
  resource('/api/reports', { scope: 'reports:read' }, 'problem')
  resource('/api/payments', { stepUp: { acr: ACR_MFA, maxAge: STEP_UP_MAX_AGE } })
}
