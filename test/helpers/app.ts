// The shared test applications: the plugin registered through its public entry, one route or
// several, and every log line captured at trace level so tests can read levels and contents.
import { Writable } from 'node:stream'
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import authErrors, { type AuthErrorsOptions, type AuthErrorsRouteConfig } from '../../lib/index.js'

/** A route handler as the tests write them. */
export type Handler = (request: FastifyRequest, reply: FastifyReply) => unknown

/** One pino log line. */
export interface LogLine { level: number, msg: string, [key: string]: unknown }

/**
 * An application with the plugin registered with `options` and one route at `/` (GET and POST)
 * running `handler`, marked with `config` when given.
 */
export async function routeApp (handler: Handler, options: AuthErrorsOptions = {}, config?: AuthErrorsRouteConfig): Promise<FastifyInstance> {
  const app = Fastify()
  await app.register(authErrors, options)
  app.route({ method: ['GET', 'POST'], url: '/', config: config === undefined ? {} : { authErrors: config }, handler })
  return app
}

/** An application with the plugin registered, routes added by `setup`, and its log lines at trace level. */
export async function loggedApp (options: AuthErrorsOptions = {}, setup?: (app: FastifyInstance) => void): Promise<{ app: FastifyInstance, logs: LogLine[] }> {
  const logs: LogLine[] = []
  const stream = new Writable({
    write (chunk, _encoding, done) {
      logs.push(JSON.parse(String(chunk)) as LogLine)
      done()
    }
  })
  const app = Fastify({ logger: { level: 'trace', stream } })
  await app.register(authErrors, options)
  setup?.(app)
  return { app, logs }
}

/** The error `register` rejects with for `options`, or `undefined` when it succeeds. */
export async function registrationError (options: AuthErrorsOptions): Promise<unknown> {
  try {
    await Fastify().register(authErrors, options)
  } catch (err) {
    return err
  }
  return undefined
}
