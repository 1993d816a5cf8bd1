// @ts-check
/**
 * `npm start`: builds the demo and listens on HOST:PORT (default 127.0.0.1:3000), logs a few
 * ready-made failing requests, and closes cleanly on SIGINT or SIGTERM.
 *
 * Environment: HOST, PORT, HTTPS_ISSUER (the issuer identifier: an https URL, RFC 9207),
 * PUBLIC_URL (the origin clients use, when it is not http://HOST:PORT) and LOG_LEVEL.
 */
import { buildDemo, settingsFromEnv } from './server.js'

const settings = settingsFromEnv(process.env)
const app = await buildDemo({ issuer: settings.issuer, baseUrl: settings.baseUrl, logger: { level: settings.logLevel } })
// Handlers first: a signal that arrives while the banner is printed must find them installed.
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
  process.once(signal, () => {
    app.log.info(`${signal} received, closing`)
    // After close nothing keeps the event loop alive: the process ends with code 0.
    app.close().then(() => { console.log('Closed.') })
  })
}

await app.listen({ host: settings.host, port: settings.port })

const { port } = /** @type {import('node:net').AddressInfo} */ (app.server.address())
const origin = settings.baseUrl ?? `http://${settings.host}:${port}`
const basic = '-u demo-confidential:demo-secret'
const form = '-H "Content-Type: application/x-www-form-urlencoded"'
const callback = encodeURIComponent('http://127.0.0.1:8080/callback')
console.log(`
Demo authorization server and resource server listening at ${origin} (issuer ${settings.issuer})
Ready-made failing requests, one per endpoint:
  curl -i ${origin}/api/me                                   # 401, bare challenge: no credentials sent
  curl -i -H "Authorization: Bearer nope" ${origin}/api/me   # 401 invalid_token
  curl -i ${basic} ${form} -d grant_type=password ${origin}/token             # 400 unsupported_grant_type
  curl -i -u demo-confidential:wrong ${form} -d grant_type=client_credentials ${origin}/token   # 401 invalid_client, Basic challenge
  curl -i "${origin}/authorize?client_id=demo-public&redirect_uri=${callback}&response_type=code&state=xyz"   # 302 to the client: invalid_request (no PKCE), state, iss
  curl -i "${origin}/authorize?client_id=nobody&response_type=code"   # 400 answered directly, never redirected
  curl -i ${basic} ${form} -d token=x -d token_type_hint=id_token ${origin}/revoke   # 400 unsupported_token_type
  curl -i ${basic} ${form} -d token=unknown ${origin}/introspect   # 200 {"active":false}
Error reference: ${origin}/errors    Metadata: ${origin}/.well-known/oauth-authorization-server
`)
