import t from 'tap'
import { existsSync, readFileSync } from 'node:fs'
import { catalog, catalogCodes, endpointKinds, type CatalogEntry } from '../lib/catalog.js'
import { renderCatalogMarkdown, specUrl } from '../lib/catalog-markdown.js'
import Fastify from 'fastify'
import authErrors, { presets, type AuthErrorCode, type AuthErrorsOptions, type EndpointKind } from '../lib/index.js'

const entries = Object.entries(catalog) as Array<[string, CatalogEntry]>

// RFC 6749 Appendix A.7 / A.8: error and error_description characters.
const safeAscii = /^[\x20\x21\x23-\x5B\x5D-\x7E]+$/

function fixture (name: string): string {
  return readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')
}

/** The first column of every Markdown table row that holds a code (header and rule rows are skipped). */
function seedCodes (markdown: string): string[] {
  const codes: string[] = []
  for (const line of markdown.split('\n')) {
    if (!line.includes('|')) continue
    const cells = line.split('|').map((c) => c.trim())
    const first = (line.trimStart().startsWith('|') ? cells[1] : cells[0]) ?? ''
    const code = first.replace(/\\_/g, '_')
    if (/^[a-z][a-z_]*$/.test(code)) codes.push(code)
  }
  return codes
}

const taskCodes = [
  // RFC 6749
  'invalid_request', 'unauthorized_client', 'access_denied', 'unsupported_response_type', 'invalid_scope',
  'server_error', 'temporarily_unavailable', 'invalid_client', 'invalid_grant', 'unsupported_grant_type',
  // RFC 6750
  'invalid_token', 'insufficient_scope',
  // OpenID Connect Core 3.1.2.6
  'interaction_required', 'login_required', 'account_selection_required', 'consent_required',
  'invalid_request_uri', 'invalid_request_object', 'request_not_supported', 'request_uri_not_supported',
  'registration_not_supported',
  // RFC 7009, RFC 7591, RFC 8628, RFC 8707, RFC 9449, RFC 9470
  'unsupported_token_type',
  'invalid_redirect_uri', 'invalid_client_metadata', 'invalid_software_statement', 'unapproved_software_statement',
  'authorization_pending', 'slow_down', 'expired_token',
  'invalid_target',
  'invalid_dpop_proof', 'use_dpop_nonce',
  'insufficient_user_authentication',
  // CIBA Core 12, 13
  'expired_login_hint_token', 'unknown_user_id', 'missing_user_code', 'invalid_user_code',
  'invalid_binding_message', 'transaction_failed',
  // IANA OAuth Extensions Error Registry
  'need_info', 'request_denied', 'request_submitted', 'unsupported_pop_key', 'incompatible_ace_profiles',
  'invalid_authorization_details', 'invalid_issuer', 'invalid_subject', 'invalid_trust_anchor',
  'invalid_trust_chain', 'invalid_metadata', 'not_found', 'unsupported_parameter',
  'vp_formats_not_supported', 'invalid_request_uri_method', 'wallet_unavailable', 'invalid_transaction_data',
  // OpenID for Verifiable Credential Issuance 1.0 (8.3.1.2, 9.3, 11.3)
  'invalid_credential_request', 'unknown_credential_configuration', 'unknown_credential_identifier',
  'invalid_proof', 'invalid_nonce', 'invalid_encryption_parameters', 'credential_request_denied',
  'invalid_transaction_id', 'invalid_notification_id', 'invalid_notification_request',
  // OpenID Connect Core Error Code unmet_authentication_requirements 1.0; UMA Federated Authorization
  'unmet_authentication_requirements', 'invalid_resource_id', 'unsupported_method_type',
  // Seeds
  'jti_known', 'token_inactive', 'request_unauthorized', 'request_forbidden', 'scope_not_granted',
  'misconfiguration', 'invalid_state', 'insufficient_entropy', 'unsupported_response_mode', 'error'
]

function entry (code: string): CatalogEntry {
  const found = (catalog as Readonly<Record<string, CatalogEntry>>)[code]
  if (found === undefined) throw new Error(`${code} is not in the catalog`)
  return found
}

t.test('B1 every catalog code uses the RFC 6749 error charset', async (t) => {
  t.ok(entries.length > 0)
  for (const [code] of entries) t.match(code, safeAscii, code)
})

t.test('B2 every default description is RFC-safe ASCII', async (t) => {
  for (const [code, e] of entries) {
    t.match(e.description, safeAscii, code)
    t.ok(e.description.length > 0 && e.description.length <= 200, `${code}: 1..200 characters`)
    if (e.title !== undefined) t.match(e.title, safeAscii, `${code} title`)
  }
})

t.test('every status is an integer in 400-599, resource statuses too', async (t) => {
  for (const [code, e] of entries) {
    t.ok(Number.isInteger(e.status) && e.status >= 400 && e.status <= 599, `${code}: ${e.status}`)
    if (e.statusAt?.resource !== undefined) {
      t.ok(Number.isInteger(e.statusAt?.resource) && e.statusAt?.resource >= 400 && e.statusAt?.resource <= 599, `${code} resource`)
    }
  }
})

/** Codes that no endpoint of an authorization server or resource server sends (CIBA 12: the push payload). */
const payloadOnly: readonly string[] = ['transaction_failed']

t.test('every entry names its spec, section and known endpoint kinds, and no numeric code', async (t) => {
  const kinds: readonly string[] = endpointKinds
  for (const [code, e] of entries) {
    t.type(e.spec, 'string', `${code} spec`)
    t.type(e.section, 'string', `${code} section`)
    if (!payloadOnly.includes(code)) t.ok(e.endpoints !== undefined && e.endpoints.length > 0, `${code} endpoints`)
    for (const kind of e.endpoints ?? []) t.ok(kinds.includes(kind), `${code}: ${kind}`)
    t.equal(new Set(e.endpoints).size, e.endpoints?.length, `${code}: no repeated kind`)
    t.equal(e.code, undefined, `${code}: numeric codes belong to presets`)
  }
})

t.test('every code of the brief and of the IANA registry is in the catalog', async (t) => {
  for (const code of taskCodes) t.ok(code in catalog, code)
  t.equal(catalogCodes.length, entries.length)
  t.same([...catalogCodes], Object.keys(catalog))
})

t.test('every code of both seed files is in the catalog', async (t) => {
  const login = seedCodes(fixture('login-error-codes.md'))
  const problems = seedCodes(fixture('authentication-api-problems.md'))
  // The login page lists 30 rows (invalid_token twice, at 400 and 401); the problems page 16.
  t.equal(login.length, 30)
  t.equal(new Set(login).size, 29)
  t.equal(problems.length, 16)
  t.ok(login.includes('unsupported_response_type'), 'escaped underscores are read')
  for (const code of [...login, ...problems]) t.ok(code in catalog, code)
})

t.test('the login seed statuses are the catalog defaults for its own codes', async (t) => {
  const statuses: Record<string, number> = {
    jti_known: 400,
    token_inactive: 401,
    request_unauthorized: 401,
    request_forbidden: 403,
    scope_not_granted: 403,
    misconfiguration: 500,
    not_found: 404,
    invalid_state: 400,
    insufficient_entropy: 400,
    unsupported_response_mode: 400,
    error: 400
  }
  for (const [code, status] of Object.entries(statuses)) t.equal(entry(code).status, status, code)
})

t.test('D1 token-endpoint codes default to 400', async (t) => {
  for (const code of ['invalid_request', 'invalid_grant', 'unauthorized_client', 'unsupported_grant_type', 'invalid_scope']) {
    t.equal(entry(code).status, 400, code)
    t.ok(entry(code).endpoints?.includes('token'), `${code} at the token endpoint`)
  }
})

t.test('D3 invalid_client defaults to 401 and is not a registration code', async (t) => {
  t.equal(entry('invalid_client').status, 401)
  t.notOk(entry('invalid_client').endpoints?.includes('registration'))
  t.ok(entry('invalid_client').endpoints?.includes('token'))
})

t.test('D4 server_error is 500 and temporarily_unavailable 503', async (t) => {
  t.equal(entry('server_error').status, 500)
  t.equal(entry('temporarily_unavailable').status, 503)
  t.same(entry('server_error').endpoints, endpointKinds)
  t.same(entry('temporarily_unavailable').endpoints, endpointKinds)
})

t.test('D5 device flow codes are 400 at the token endpoint', async (t) => {
  for (const code of ['authorization_pending', 'slow_down', 'access_denied', 'expired_token']) {
    t.equal(entry(code).status, 400, code)
    t.ok(entry(code).endpoints?.includes('token'), code)
  }
})

t.test('D6 CIBA backchannel codes: 400, invalid_client 401, access_denied listed', async (t) => {
  for (const code of ['invalid_request', 'invalid_scope', 'expired_login_hint_token', 'unknown_user_id',
    'unauthorized_client', 'missing_user_code', 'invalid_user_code', 'invalid_binding_message']) {
    t.equal(entry(code).status, 400, code)
    t.ok(entry(code).endpoints?.includes('backchannel'), code)
  }
  t.equal(entry('invalid_client').status, 401)
  t.ok(entry('invalid_client').endpoints?.includes('backchannel'))
  t.ok(entry('access_denied').endpoints?.includes('backchannel'))
  t.equal(entry('access_denied').status, 400, 'the default stays 400; CIBA 403 is chosen per call')
})

t.test('D7 DPoP codes are 400 at the authorization server', async (t) => {
  for (const code of ['invalid_dpop_proof', 'use_dpop_nonce']) {
    t.equal(entry(code).status, 400, code)
    t.ok(entry(code).endpoints?.includes('token'), code)
  }
})

t.test('D8 registration codes are 400', async (t) => {
  for (const code of ['invalid_redirect_uri', 'invalid_client_metadata', 'invalid_software_statement', 'unapproved_software_statement']) {
    t.equal(entry(code).status, 400, code)
    t.same(entry(code).endpoints, ['registration'], code)
  }
})

t.test('D9 unsupported_token_type is 400 at the revocation endpoint', async (t) => {
  t.equal(entry('unsupported_token_type').status, 400)
  t.same(entry('unsupported_token_type').endpoints, ['revocation'])
})

t.test('D11 invalid_target is 400', async (t) => {
  t.equal(entry('invalid_target').status, 400)
  t.ok(entry('invalid_target').endpoints?.includes('token'))
})

t.test('E5 invalid_request 400, invalid_token 401, insufficient_scope 403 at a resource', async (t) => {
  t.equal(entry('invalid_request').status, 400)
  t.equal(entry('invalid_token').status, 401)
  t.equal(entry('insufficient_scope').status, 403)
  for (const code of ['invalid_request', 'invalid_token', 'insufficient_scope']) {
    t.ok(entry(code).endpoints?.includes('resource'), code)
  }
})

t.test('F3 DPoP codes take 401 on resource requests', async (t) => {
  t.equal(entry('use_dpop_nonce').statusAt?.resource, 401)
  t.equal(entry('invalid_dpop_proof').statusAt?.resource, 401)
  for (const [code, e] of entries) {
    if (!['use_dpop_nonce', 'invalid_dpop_proof'].includes(code)) t.equal(e.statusAt?.resource, undefined, code)
  }
})

t.test('G1 insufficient_user_authentication is 401 at a resource', async (t) => {
  t.equal(entry('insufficient_user_authentication').status, 401)
  t.same(entry('insufficient_user_authentication').endpoints, ['resource'])
})

t.test('the catalog, its entries and their endpoint lists are frozen', async (t) => {
  t.ok(Object.isFrozen(catalog))
  t.ok(Object.isFrozen(catalogCodes))
  for (const [code, e] of entries) {
    t.ok(Object.isFrozen(e), code)
    t.ok(Object.isFrozen(e.endpoints), `${code} endpoints`)
  }
  t.throws(() => { (catalog as Record<string, unknown>).my_code = { status: 400, description: 'x' } }, TypeError)
  t.throws(() => { (catalog.invalid_grant as { status: number }).status = 500 }, TypeError)
  t.throws(() => { (catalog.invalid_grant.endpoints as string[]).push('resource') }, TypeError)
  t.throws(() => { (catalogCodes as string[]).push('my_code') }, TypeError)
  t.equal(catalog.invalid_grant.status, 400)
})

t.test('specUrl links RFC sections and known OpenID documents', async (t) => {
  t.equal(specUrl('RFC 6749', '5.2'), 'https://www.rfc-editor.org/rfc/rfc6749#section-5.2')
  t.equal(specUrl('RFC 9449'), 'https://www.rfc-editor.org/rfc/rfc9449')
  t.equal(specUrl('OpenID Connect Core 1.0', '3.1.2.6'), 'https://openid.net/specs/openid-connect-core-1_0.html')
  t.equal(specUrl('Login Error Codes (seed)', '400 Error: Bad Request'), undefined)
  for (const [code, e] of entries) {
    if (e.spec !== 'Login Error Codes (seed)' && !unlinkedSpecs.includes(e.spec ?? '')) t.type(specUrl(e.spec ?? '', e.section), 'string', code)
  }
})

/** Specs added with issue 16 whose address lib/catalog-markdown.ts (documentUrls) does not know yet. */
const unlinkedSpecs: readonly string[] = [
  'OpenID for Verifiable Credential Issuance 1.0',
  'OpenID Connect Core Error Code unmet_authentication_requirements 1.0',
  'Federated Authorization for UMA 2.0'
]

t.test('specUrl links the specs added with issue 16', async (t) => {
  for (const spec of unlinkedSpecs) t.type(specUrl(spec), 'string', spec)
})

t.test('renderCatalogMarkdown: title, generated note, sorted rows with anchors', async (t) => {
  const page = renderCatalogMarkdown(catalog)
  const lines = page.split('\n')
  t.equal(lines[0], '# Error reference')
  t.match(page, /generated by `npm run docs:errors` from `lib\/catalog.ts`/)
  t.ok(page.includes('| Code | Status | Description | Defined in | Endpoints |'))
  t.ok(page.endsWith('|\n'))
  const rows = lines.filter((l) => l.startsWith('| <a id="'))
  t.equal(rows.length, entries.length)
  const order = rows.map((r) => /id="([^"]+)"/.exec(r)?.[1])
  t.same(order, Object.keys(catalog).sort())
  t.ok(page.includes('| <a id="invalid_grant"></a>`invalid_grant` | 400 | '))
  t.ok(page.includes('| 400 (401 on resource requests) |'))
  t.ok(page.includes('[RFC 6749, section 5.2](https://www.rfc-editor.org/rfc/rfc6749#section-5.2)'))
  t.ok(page.includes('| Login Error Codes (seed), section none (seed only) |'))
})

t.test('renderCatalogMarkdown copes with sparse and hostile entries', async (t) => {
  const page = renderCatalogMarkdown({
    z_bare: { status: 418, description: 'Bare entry.' },
    y_spec_only: { status: 400, description: 'Spec without section.', spec: 'RFC 7009', endpoints: [] },
    x_unknown: { status: 400, description: 'Unknown document.', spec: 'Some <Spec> | 1', section: '2' },
    'w|<"&`': { status: 400, description: 'Pipes | and <b>tags</b> & `ticks` and \\ and\nnewlines.' }
  })
  t.ok(page.includes('| <a id="z_bare"></a>`z_bare` | 418 | Bare entry. | - | - |'))
  t.ok(page.includes('| [RFC 7009](https://www.rfc-editor.org/rfc/rfc7009) | - |'))
  t.ok(page.includes('| Some &lt;Spec&gt; \\| 1, section 2 | - |'))
  t.ok(page.includes('<a id="w|&lt;&quot;&amp;`"></a>`w\\|<"& ` |'))
  t.ok(page.includes('| Pipes \\| and &lt;b&gt;tags&lt;/b&gt; &amp; \\`ticks\\` and \\\\ and newlines. |'))
  t.equal(page.split('\n').filter((l) => l.startsWith('| <a id="')).length, 4)
})

t.test('docs/errors.md is up to date with the catalog', async (t) => {
  const file = new URL('../docs/errors.md', import.meta.url)
  const onDisk = existsSync(file) ? readFileSync(file, 'utf8') : ''
  t.equal(onDisk, renderCatalogMarkdown(catalog),
    'docs/errors.md is stale or missing: run `npm run docs:errors` and commit the result')
})

t.test('a seed-only code says in its section that no specification defines it', async (t) => {
  const seedOnly = entries.filter(([, e]) => e.spec === 'Login Error Codes (seed)')
  t.same(seedOnly.map(([code]) => code).sort(), ['error', 'insufficient_entropy', 'invalid_state', 'jti_known', 'misconfiguration',
    'request_forbidden', 'request_unauthorized', 'scope_not_granted', 'token_inactive', 'unsupported_response_mode'])
  for (const [code, e] of seedOnly) t.equal(e.section, 'none (seed only)', code)
  for (const [code, e] of entries) t.notMatch(e.section ?? '', /Error:/, `${code}: no page heading as a section`)
})

t.test('E5 insufficient_scope is 401 at the introspection endpoint (RFC 7662 2.3), 403 elsewhere', async (t) => {
  t.equal(entry('insufficient_scope').statusAt?.introspection, 401)
  t.equal(entry('insufficient_scope').status, 403)
})

t.test('D6 transaction_failed is only the CIBA 12 push payload, no endpoint response', async (t) => {
  t.same(entry('transaction_failed').endpoints, [])
  t.equal(entry('transaction_failed').section, '12')
  t.notOk(entries.some(([code, e]) => code !== 'transaction_failed' && e.endpoints?.length === 0), 'no other code is payload-only')
})

t.test('Federation 12.1.3 and 12.2.4: the trust codes are PAR (400) and registration errors too', async (t) => {
  for (const code of ['invalid_trust_anchor', 'invalid_trust_chain', 'invalid_metadata']) {
    t.same(entry(code).endpoints, ['authorization', 'par', 'registration'], code)
    t.equal(entry(code).statusAt?.par ?? entry(code).status, 400, `${code} at PAR: the token endpoint error format (RFC 9126 2.3)`)
  }
  t.equal(entry('invalid_trust_anchor').status, 404, 'Federation 8.9 status elsewhere')
  for (const code of ['invalid_issuer', 'invalid_subject', 'not_found', 'unsupported_parameter']) t.notOk(entry(code).endpoints?.includes('par'), code)
})

/** The codes of issue 16 item 4, each with the spec and section whose text defines it and the status that text gives. */
const newCodes: ReadonlyArray<readonly [string, string, string, number, readonly string[]]> = [
  ['invalid_credential_request', 'OpenID for Verifiable Credential Issuance 1.0', '8.3.1.2', 400, ['resource']],
  ['unknown_credential_configuration', 'OpenID for Verifiable Credential Issuance 1.0', '8.3.1.2', 400, ['resource']],
  ['unknown_credential_identifier', 'OpenID for Verifiable Credential Issuance 1.0', '8.3.1.2', 400, ['resource']],
  ['invalid_proof', 'OpenID for Verifiable Credential Issuance 1.0', '8.3.1.2', 400, ['resource']],
  ['invalid_nonce', 'OpenID for Verifiable Credential Issuance 1.0', '8.3.1.2', 400, ['resource']],
  ['invalid_encryption_parameters', 'OpenID for Verifiable Credential Issuance 1.0', '8.3.1.2', 400, ['resource']],
  ['credential_request_denied', 'OpenID for Verifiable Credential Issuance 1.0', '8.3.1.2', 400, ['resource']],
  ['invalid_transaction_id', 'OpenID for Verifiable Credential Issuance 1.0', '9.3', 400, ['resource']],
  ['invalid_notification_id', 'OpenID for Verifiable Credential Issuance 1.0', '11.3', 400, ['resource']],
  ['invalid_notification_request', 'OpenID for Verifiable Credential Issuance 1.0', '11.3', 400, ['resource']],
  ['invalid_transaction_data', 'OpenID for Verifiable Presentations 1.0', '8.5', 400, ['authorization']],
  ['unmet_authentication_requirements', 'OpenID Connect Core Error Code unmet_authentication_requirements 1.0', '1', 400, ['authorization']],
  ['invalid_resource_id', 'Federated Authorization for UMA 2.0', '4.3', 400, ['resource']],
  ['unsupported_method_type', 'Federated Authorization for UMA 2.0', '3.2', 405, ['resource']]
]

t.test('the codes of OpenID4VCI 1.0, OpenID4VP 1.0, unmet_authentication_requirements and UMA Federated Authorization', async (t) => {
  for (const [code, spec, section, status, endpoints] of newCodes) {
    const e = entry(code)
    t.equal(e.spec, spec, `${code} spec`)
    t.equal(e.section, section, `${code} section`)
    t.equal(e.status, status, `${code} status`)
    t.same(e.endpoints, endpoints, `${code} endpoints`)
    t.equal(e.statusAt, undefined, `${code}: one status everywhere`)
  }
  t.equal(entry('invalid_transaction_id').title, 'Invalid transaction ID')
  t.equal(entry('invalid_resource_id').title, 'Invalid resource ID')
})

/** Sends `code` from a route marked as `endpoint`, as an application would. */
async function sendAt (endpoint: EndpointKind, code: AuthErrorCode, options: AuthErrorsOptions = {}, headers: Record<string, string> = {}) {
  const app = Fastify()
  await app.register(authErrors, options)
  app.post('/e', { config: { authErrors: { endpoint } } }, async (_request, reply) => reply.authError(code))
  const res = await app.inject({ method: 'POST', url: '/e', headers })
  await app.close()
  return res
}

t.test('E5 insufficient_scope about the caller\'s token at introspection is sent as 401 with a challenge (RFC 7662 2.3)', async (t) => {
  const res = await sendAt('introspection', 'insufficient_scope', {}, { authorization: 'Bearer abc' })
  t.equal(res.statusCode, 401)
  t.equal(res.json().error, 'insufficient_scope')
  t.match(res.headers['www-authenticate'], /^Bearer .*error="insufficient_scope"/)
  t.equal((await sendAt('resource', 'insufficient_scope', {}, { authorization: 'Bearer abc' })).statusCode, 403, 'still 403 at a resource')
})

t.test('Federation 12.1.3: invalid_trust_anchor is 400 at PAR, 404 at registration', async (t) => {
  t.equal((await sendAt('par', 'invalid_trust_anchor')).statusCode, 400)
  t.equal((await sendAt('registration', 'invalid_trust_anchor')).statusCode, 404)
})

t.test('the authenticationApiProblems preset keeps access_denied at 440 at a backchannel route', async (t) => {
  t.equal((await sendAt('backchannel', 'access_denied', { codes: presets.authenticationApiProblems })).statusCode, 440)
})
