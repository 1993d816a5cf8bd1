// @ts-check
/**
 * `npm start`: builds the demo and listens on HOST:PORT (default 127.0.0.1:3000), logs a few
 * ready-made failing requests, and closes cleanly on SIGINT or SIGTERM.
 *
 * Environment: HOST, PORT, HTTPS_ISSUER (the issuer identifier: an https URL, RFC 9207),
 * PUBLIC_URL (the origin clients use, when it is not http://HOST:PORT) and LOG_LEVEL.
 */
import { buildDemo, settingsFromEnv, tryRequests } from './server.js'

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

try {
  await app.listen({ host: settings.host, port: settings.port })
} catch (error) {
  if (/** @type {{ code?: string }} */ (error).code !== 'EADDRINUSE') throw error
  console.error(`Port ${settings.port} on ${settings.host} is in use: set PORT to a free one (PORT=0 picks any), e.g. PORT=3001 npm start`)
  process.exit(1)
}

const { port } = /** @type {import('node:net').AddressInfo} */ (app.server.address())
const origin = settings.baseUrl ?? `http://${settings.host}:${port}`
console.log(`
Demo authorization server and resource server listening at ${origin} (issuer ${settings.issuer})
Open ${origin}/ in a browser, or try these ready-made failing requests, one per endpoint:
${tryRequests(origin).map(({ curl, expect }) => `  ${curl}   # ${expect}`).join('\n')}
Error reference: ${origin}/errors    Metadata: ${origin}/.well-known/oauth-authorization-server
`)
