// @ts-check
/**
 * The demo's token endpoint and the other endpoints a client calls directly: `POST /token`
 * (authorization_code with PKCE, client_credentials, refresh_token with rotation; DPoP-bound
 * tokens, RFC 9449), `POST /revoke` (RFC 7009) and `POST /introspect` (RFC 7662). Clients
 * authenticate with client_secret_basic, client_secret_post, or as public clients (RFC 6749 2.3).
 * Every error is an AuthError or `reply.authError`: the plugin writes it.
 */
import { createHash } from 'node:crypto'
import { AuthError } from 'fastify-auth-errors'
import { decodeURIComponentSafe, grantedScope, opaque, paramsOf, required, sameSecret, single } from './shared.js'

/** @typedef {import('./shared.js').DemoClient} DemoClient */

const ACCESS_TOKEN_LIFETIME = 600

/**
 * Adds the token, revocation and introspection endpoints.
 *
 * @param {import('fastify').FastifyInstance} app
 * @param {import('./shared.js').DemoContext} context
 */
export function registerTokenEndpoint (app, { clients, stores: { codes, accessTokens, refreshTokens }, dpop, now, originOf }) {
  /**
   * Authenticates the client of a back-channel request: client_secret_basic,
   * client_secret_post, or a public client's bare client_id (RFC 6749 2.3).
   *
   * @param {import('fastify').FastifyRequest} request
   * @param {URLSearchParams} params
   * @returns {DemoClient}
   */
  function authenticateClient (request, params) {
    const authorization = request.headers.authorization
    const bodyId = single(params, 'client_id')
    const bodySecret = single(params, 'client_secret')
    if (authorization !== undefined) {
      if (bodySecret !== undefined) throw new AuthError('invalid_request', { description: 'Use one client authentication method only' })
      const match = /^Basic ([A-Za-z0-9+/]+=*)$/i.exec(authorization)
      const decoded = match === null ? '' : Buffer.from(/** @type {string} */ (match[1]), 'base64').toString('utf8')
      const colon = decoded.indexOf(':')
      if (colon === -1) throw new AuthError('invalid_client', { description: 'Malformed client credentials' })
      const id = decodeURIComponentSafe(decoded.slice(0, colon))
      const secret = decodeURIComponentSafe(decoded.slice(colon + 1))
      const client = clients.get(id)
      if (client?.client_secret === undefined || !sameSecret(secret, client.client_secret) || (bodyId !== undefined && bodyId !== id)) {
        throw new AuthError('invalid_client', { description: 'Client authentication failed' })
      }
      return client
    }
    if (bodyId === undefined) throw new AuthError('invalid_client', { description: 'The request carries no client authentication' })
    const client = clients.get(bodyId)
    if (client === undefined) throw new AuthError('invalid_client', { description: 'Client authentication failed' })
    if (client.client_secret === undefined ? bodySecret !== undefined : bodySecret === undefined || !sameSecret(bodySecret, client.client_secret)) {
      throw new AuthError('invalid_client', { description: 'Client authentication failed' })
    }
    return client
  }

  /**
   * The thumbprint of a DPoP proof sent to the token endpoint, if any.
   *
   * @param {import('fastify').FastifyRequest} request
   * @returns {Promise<string | undefined>}
   */
  async function tokenEndpointProof (request) {
    if (request.headers.dpop === undefined) return undefined
    return dpop.verify({ proof: request.headers.dpop, method: 'POST', url: originOf(request) + '/token' })
  }

  // ---------------------------------------------------------------- token endpoint

  /**
   * Issues an access token (and a refresh token for a user grant) and sends the token response.
   *
   * @param {import('fastify').FastifyReply} reply
   * @param {{ clientId: string, scope: string, sub?: string | undefined, acr?: string | undefined, authTime?: number | undefined, jkt: string | undefined, refresh: boolean }} grant
   * @returns {{ token: string, reply: import('fastify').FastifyReply }}
   */
  function issueTokens (reply, grant) {
    const token = opaque()
    accessTokens.set(token, {
      clientId: grant.clientId, scope: grant.scope, exp: now() + ACCESS_TOKEN_LIFETIME, sub: grant.sub, acr: grant.acr, authTime: grant.authTime, jkt: grant.jkt
    })
    /** @type {Record<string, string | number>} */
    const body = { access_token: token, token_type: grant.jkt === undefined ? 'Bearer' : 'DPoP', expires_in: ACCESS_TOKEN_LIFETIME, scope: grant.scope }
    if (grant.refresh) {
      const refreshToken = opaque()
      refreshTokens.set(refreshToken, { clientId: grant.clientId, scope: grant.scope, sub: grant.sub, acr: grant.acr, authTime: grant.authTime, jkt: grant.jkt })
      body.refresh_token = refreshToken
    }
    return { token, reply: reply.header('cache-control', 'no-store').header('pragma', 'no-cache').send(body) }
  }

  /** @type {Record<string, (request: import('fastify').FastifyRequest, reply: import('fastify').FastifyReply, params: URLSearchParams, client: DemoClient, jkt: string | undefined) => unknown>} */
  const grants = {
    authorization_code (_request, reply, params, client, jkt) {
      const value = required(params, 'code')
      const redirectUri = single(params, 'redirect_uri')
      const verifier = single(params, 'code_verifier')
      const code = codes.get(value)
      if (code === undefined || code.clientId !== client.client_id) throw new AuthError('invalid_grant', { description: 'The authorization code is unknown' })
      if (code.used) {
        // RFC 6749 4.1.2: a code used twice revokes the tokens issued from it.
        for (const token of code.tokens) accessTokens.delete(token)
        throw new AuthError('invalid_grant', { description: 'The authorization code was already used' })
      }
      code.used = true
      if (code.exp < now()) throw new AuthError('invalid_grant', { description: 'The authorization code has expired' })
      if (redirectUri !== code.redirectUri) throw new AuthError('invalid_grant', { description: 'The redirect_uri does not match the authorization request' })
      if (code.challenge !== undefined || verifier !== undefined) {
        const computed = verifier === undefined ? '' : createHash('sha256').update(verifier).digest('base64url')
        if (code.challenge === undefined || computed !== code.challenge) throw new AuthError('invalid_grant', { description: 'The code_verifier does not match the code_challenge' })
      }
      const issued = issueTokens(reply, { clientId: client.client_id, scope: code.scope, sub: 'alice', acr: code.acr, authTime: code.authTime, jkt, refresh: true })
      code.tokens.push(issued.token)
      return issued.reply
    },

    client_credentials (_request, reply, params, client, jkt) {
      const scope = grantedScope(client, single(params, 'scope'))
      if (scope.split(' ').includes('demo:crash')) throw new Error('demo:crash: a simulated bug in the token endpoint')
      if (scope.split(' ').includes('demo:busy')) throw new AuthError('temporarily_unavailable', { retryAfter: 30, description: 'The demo is pretending to be overloaded' })
      return issueTokens(reply, { clientId: client.client_id, scope, jkt, refresh: false }).reply
    },

    refresh_token (_request, reply, params, client, jkt) {
      const value = required(params, 'refresh_token')
      const grant = refreshTokens.get(value)
      if (grant === undefined || grant.clientId !== client.client_id) throw new AuthError('invalid_grant', { description: 'The refresh token is unknown or was revoked' })
      if (grant.jkt !== undefined && grant.jkt !== jkt) throw new AuthError('invalid_grant', { description: 'The refresh token is bound to another DPoP key' })
      const scope = single(params, 'scope') ?? grant.scope
      if (!scope.split(' ').every(item => grant.scope.split(' ').includes(item))) throw new AuthError('invalid_scope', { description: 'The scope exceeds the original grant' })
      refreshTokens.delete(value) // rotation
      return issueTokens(reply, { clientId: client.client_id, scope, sub: grant.sub, acr: grant.acr, authTime: grant.authTime, jkt: grant.jkt ?? jkt, refresh: true }).reply
    }
  }

  app.post('/token', { config: { authErrors: { endpoint: 'token' } } }, async (request, reply) => {
    const params = paramsOf(request)
    const grantType = required(params, 'grant_type')
    const client = authenticateClient(request, params)
    const grant = Object.hasOwn(grants, grantType) ? grants[grantType] : undefined
    if (grant === undefined) throw new AuthError('unsupported_grant_type', { description: `The grant_type ${grantType} is not supported` })
    if (!client.grant_types.includes(grantType)) throw new AuthError('unauthorized_client', { description: `This client may not use ${grantType}` })
    const jkt = await tokenEndpointProof(request)
    return grant(request, reply, params, client, jkt)
  })

  app.post('/revoke', { config: { authErrors: { endpoint: 'revocation' } } }, async (request, reply) => {
    const params = paramsOf(request)
    const client = authenticateClient(request, params)
    const token = required(params, 'token')
    const hint = single(params, 'token_type_hint')
    if (hint !== undefined && hint !== 'access_token' && hint !== 'refresh_token') {
      throw new AuthError('unsupported_token_type', { description: 'The demo revokes access and refresh tokens only' })
    }
    const owned = accessTokens.get(token)?.clientId ?? refreshTokens.get(token)?.clientId
    // RFC 7009 2.2: an unknown token is not an error; the plugin answers 200 for invalid_token here.
    if (owned !== client.client_id) return reply.authError('invalid_token')
    accessTokens.delete(token)
    refreshTokens.delete(token)
    return reply.header('cache-control', 'no-store').send()
  })

  app.post('/introspect', { config: { authErrors: { endpoint: 'introspection' } } }, async (request, reply) => {
    const params = paramsOf(request)
    const client = authenticateClient(request, params)
    if (client.client_secret === undefined) throw new AuthError('invalid_client', { description: 'Only confidential clients may introspect' })
    const token = accessTokens.get(required(params, 'token'))
    // RFC 7662 2.2: an unknown or expired token is {"active":false}, which the plugin sends for invalid_token.
    if (token === undefined || token.exp < now()) return reply.authError('invalid_token')
    return reply.header('cache-control', 'no-store').send({
      active: true,
      client_id: token.clientId,
      scope: token.scope,
      exp: token.exp,
      token_type: token.jkt === undefined ? 'Bearer' : 'DPoP',
      ...(token.sub === undefined ? {} : { sub: token.sub, acr: token.acr, auth_time: token.authTime }),
      ...(token.jkt === undefined ? {} : { cnf: { jkt: token.jkt } })
    })
  })
}
