// @ts-check
/**
 * `npm start`: builds the demo and listens on HOST:PORT (default 127.0.0.1:3000). Logs a few
 * ready-made failing requests, and closes cleanly on SIGINT or SIGTERM.
 *
 * Environment: HOST, PORT, HTTPS_ISSUER (the issuer identifier, an https URL) and PUBLIC_URL
 * (the origin clients use, when it is not http://HOST:PORT).
 */
import { DEFAULT_ISSUER, buildDemo } from './server.js'

const host = process.env.HOST ?? '127.0.0.1'
const port = Number(process.env.PORT ?? 3000)
const origin = (process.env.PUBLIC_URL ?? `http://${host.includes(':') ? `[${host}]` : host}:${port}`).replace(/\/+$/, '')

const issuer = process.env.HTTPS_ISSUER ?? DEFAULT_ISSUER
const app = await buildDemo({ issuer, baseUrl: origin, logger: { level: process.env.LOG_LEVEL ?? 'info' } })
await app.listen({ host, port })

const basic = 'Basic ' + Buffer.from('demo-confidential:demo-secret').toString('base64')
const form = '-H "Content-Type: application/x-www-form-urlencoded"'
console.log(`
Demo authorization server and resource server at ${origin} (issuer ${issuer})
Try these failing requests:
  curl -i ${origin}/api/me                                          # 401 bare challenge (no credentials)
  curl -i -H "Authorization: Bearer nope" ${origin}/api/me          # 401 invalid_token
  curl -i -X POST ${form} -d grant_type=password ${origin}/token -H "Authorization: ${basic}"   # 400 unsupported_grant_type
  curl -i -X POST ${form} -d "grant_type=client_credentials&client_id=demo-confidential&client_secret=wrong" ${origin}/token   # 400 invalid_client
  curl -i "${origin}/authorize?client_id=demo-public&redirect_uri=http%3A%2F%2F127.0.0.1%3A8080%2Fcallback&response_type=code&state=xyz"   # 302 to the client: invalid_request (no PKCE), state, iss
  curl -i "${origin}/authorize?client_id=nobody&response_type=code"  # 400 answered directly, never redirected
  curl -i -X POST ${form} -d token=unknown ${origin}/introspect -H "Authorization: ${basic}"   # 200 {"active":false}
Error reference: ${origin}/errors   Metadata: ${origin}/.well-known/oauth-authorization-server
`)

for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
  process.once(signal, () => {
    app.log.info(`${signal} received, closing`)
    app.close().then(() => process.exit(0), (error) => {
      app.log.error({ err: error }, 'close failed')
      process.exit(1)
    })
  })
}
