// The types of examples/server.js and examples/dpop.js as the tests use them (the demo is
// JavaScript checked with JSDoc; see the type-check test in test/demo.test.ts).
import type { FastifyInstance, FastifyServerOptions } from 'fastify'

export interface DemoClient {
  client_id: string
  client_secret?: string
  redirect_uris: readonly string[]
  grant_types: readonly string[]
  scope: string
}

export interface DemoOptions {
  issuer?: string
  baseUrl?: string
  clients?: readonly DemoClient[]
  clock?: () => number
  logger?: FastifyServerOptions['logger']
}

export interface DemoModule {
  ACR_MFA: string
  DEFAULT_ISSUER: string
  defaultClients: readonly DemoClient[]
  buildDemo: (options?: DemoOptions) => Promise<FastifyInstance>
  settingsFromEnv: (env: Record<string, string | undefined>) => { host: string, port: number, issuer: string, baseUrl: string | undefined, logLevel: string }
}

export interface DpopModule {
  createDpop: (clock: () => number, replayCacheSize?: number) => {
    verify: (input: { proof: unknown, method: string, url: string, accessToken?: string }) => Promise<string>
    currentNonce: () => string
  }
  thumbprint: (jwk: Record<string, unknown>) => string
}
