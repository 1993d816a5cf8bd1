// `npm run bench`: requests/s of every route of bench/apps.js over HTTP, side by side.
//
// The server (bench/server.js) and the load generator (bench/load.js, autocannon) run in
// separate processes, pinned to separate cores with taskset when it is available. Every route
// is warmed up, then measured in interleaved rounds (forward order, then reverse, and so on),
// and each ratio is taken inside a round against the twin measured in that same round; the
// table shows medians. Then: the heap after a million error responses (bench/heap.js) and the
// registration cost (bench/register.js), each in a fresh process. Finally the results replace
// the generated part of docs/benchmarks.md.
//
// Settings (environment): BENCH_ROUNDS (7), BENCH_DURATION seconds per run (2),
// BENCH_WARMUP seconds per route (2), BENCH_CONNECTIONS (10), BENCH_PIPELINING (1),
// BENCH_HEAP_COUNT (1000000), BENCH_ROUTES (comma-separated route ids: those and their twins),
// BENCH_NO_PIN=1, BENCH_NO_DOCS=1 (do not write the docs).
import { readFileSync } from 'node:fs'
import { cpus, platform } from 'node:os'
import { activeRoutes } from './apps.js'
import {
  formatNumber, formatRatio, ipcClient, markdownTable, median, pinning, runNode, spawnNode, spread
} from './lib.js'
import { replaceSection } from './docs.js'

const settings = {
  rounds: Number(process.env.BENCH_ROUNDS ?? 7),
  duration: Number(process.env.BENCH_DURATION ?? 2),
  warmup: Number(process.env.BENCH_WARMUP ?? 2),
  connections: Number(process.env.BENCH_CONNECTIONS ?? 10),
  pipelining: Number(process.env.BENCH_PIPELINING ?? 1),
  heapCount: Number(process.env.BENCH_HEAP_COUNT ?? 1_000_000)
}
const here = new URL('.', import.meta.url)
const script = (name) => new URL(name, here).pathname
const cores = pinning()

function log (line) {
  process.stderr.write(line + '\n')
}

/** The routes BENCH_ROUTES names, with the twins and baselines they are compared with. */
function selected (list) {
  const only = process.env.BENCH_ROUTES?.split(',')
  if (only === undefined) return list
  const wanted = new Set(only)
  for (const route of list) {
    if (!only.includes(route.id)) continue
    wanted.add(route.twin)
    for (const target of route.targets ?? []) wanted.add(target.vs)
  }
  return list.filter((route) => wanted.has(route.id))
}

/** Starts a child over IPC and waits for its first message. */
function start (args, cpu) {
  const child = spawnNode(args, cpu)
  const first = new Promise((resolve, reject) => {
    child.once('message', resolve)
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}`)))
  })
  const request = ipcClient(child)
  return first.then((message) => ({ child, request, message }))
}

async function measureHttp () {
  const server = await start(['--expose-gc', script('server.js')], cores?.server)
  const { ports, features, problems } = server.message
  for (const problem of problems) log(`${problem.fatal ? 'ERROR' : 'warning'}: ${problem.route}: ${problem.message}`)
  if (problems.some((problem) => problem.fatal)) {
    server.child.disconnect()
    throw new Error('a plugin route and its hand-written twin do not send the same response')
  }
  const load = await start([script('load.js')], cores?.load)
  // Rows that switch a listener on for their own stretch are counted by bench:instructions only.
  const list = selected(activeRoutes(features).filter((route) => route.instructionsOnly !== true))

  async function hit (route, duration) {
    await server.request({ cmd: 'gc' })
    const before = (await server.request({ cmd: 'cpu' })).cpu
    const result = await load.request({
      url: `http://127.0.0.1:${ports[route.app]}${route.url}`,
      method: route.method,
      headers: route.headers ?? {},
      duration,
      connections: settings.connections,
      pipelining: settings.pipelining
    })
    const after = (await server.request({ cmd: 'cpu' })).cpu
    const unexpected = Object.entries(result.statusCodes).filter(([code]) => Number(code) !== route.status)
    if (result.errors > 0 || result.timeouts > 0 || unexpected.length > 0) {
      throw new Error(`${route.id}: ${result.errors} errors, ${result.timeouts} timeouts, statuses ${JSON.stringify(result.statusCodes)}`)
    }
    const cpuMicros = after.user + after.system - before.user - before.system
    return { rps: result.requests / result.duration, cpuPerRequest: cpuMicros / result.requests, busy: cpuMicros / 1e6 / result.duration }
  }

  log(`warm-up: ${settings.warmup} s per route`)
  for (const route of list) await hit(route, settings.warmup)
  const rounds = []
  for (let round = 0; round < settings.rounds; round++) {
    const order = round % 2 === 0 ? list : [...list].reverse()
    const results = {}
    for (const route of order) results[route.id] = await hit(route, settings.duration)
    rounds.push(results)
    log(`round ${round + 1}/${settings.rounds}: ` + list.map((route) => `${route.id} ${formatNumber(results[route.id].rps)}`).join(', '))
  }
  server.child.disconnect()
  load.child.disconnect()
  return { list, features, rounds, problems }
}

/** Per route: median requests/s, spread, server CPU per request, median ratio to its twin. */
function summarise ({ list, rounds }) {
  const byId = {}
  for (const route of list) {
    const rps = rounds.map((results) => results[route.id].rps)
    byId[route.id] = {
      route,
      rps: median(rps),
      spread: spread(rps),
      cpuPerRequest: median(rounds.map((results) => results[route.id].cpuPerRequest)),
      busy: median(rounds.map((results) => results[route.id].busy)),
      ratio: (other) => median(rounds.map((results) => results[route.id].rps / results[other].rps))
    }
  }
  return byId
}

function targetRows (summary) {
  const rows = []
  for (const { route, ratio } of Object.values(summary)) {
    for (const target of route.targets ?? []) {
      if (summary[target.vs] === undefined) continue
      const value = ratio(target.vs)
      rows.push({ route, target, value, met: value >= target.min })
    }
  }
  return rows
}

function httpTable (summary) {
  const rows = Object.values(summary).map(({ route, rps, spread, cpuPerRequest, busy, ratio }) => [
    route.id,
    route.label,
    formatNumber(rps),
    '±' + (spread / 2).toFixed(1) + '%',
    formatNumber(cpuPerRequest, 1),
    (busy * 100).toFixed(0) + '%',
    route.twin === route.id ? '(twin)' : route.twin,
    route.twin === route.id || summary[route.twin] === undefined ? '' : formatRatio(ratio(route.twin))
  ])
  return markdownTable(
    ['route', 'what', 'req/s (median)', 'spread', 'server CPU µs/req', 'server busy', 'twin', 'ratio to twin'],
    rows, ['l', 'l', 'r', 'r', 'r', 'r', 'l', 'r'])
}

function targetTable (rows) {
  return markdownTable(
    ['route', 'target', 'measured', 'status'],
    rows.map(({ route, target, value, met }) => [route.id, `>= ${target.min.toFixed(2)}x ${target.vs}`, formatRatio(value), met ? 'met' : 'MISSED']),
    ['l', 'l', 'r', 'l'])
}

function heapText (heap) {
  const mb = (bytes) => (bytes / 1024 / 1024).toFixed(2) + ' MB'
  return [
    `${formatNumber(heap.count)} error responses (cycling over ${heap.routes.join(', ')}) through fastify.inject in ${heap.seconds.toFixed(1)} s:`,
    `heap used after GC at start ${mb(heap.start)}, at end ${mb(heap.end)}, highest sample ${mb(heap.max)};`,
    `growth ${formatNumber(heap.growth)} bytes (${heap.bytesPerResponse.toFixed(3)} bytes per response): ${Math.abs(heap.growth) < 1024 * 1024 ? 'flat (target met)' : 'GROWS (target missed)'}.`
  ].join('\n')
}

function registrationTable (results) {
  return markdownTable(
    ['registration', 'import (cold)', 'first register', 'first register heap', 'warm register (median)', 'retained heap per app', 'target < 5 ms, < 1 MB'],
    results.map((r) => [
      r.config,
      r.importMs.toFixed(1) + ' ms',
      r.coldMs.toFixed(2) + ' ms',
      formatNumber(r.coldBytes / 1024) + ' KB',
      r.warmMs.toFixed(2) + ' ms',
      formatNumber(r.warmBytes / 1024) + ' KB',
      r.coldMs < 5 && r.coldBytes < 1024 * 1024 && r.warmBytes < 1024 * 1024 ? 'met' : 'MISSED'
    ]),
    ['l', 'r', 'r', 'r', 'r', 'r', 'l'])
}

async function main () {
  log(`pinning: ${cores === undefined ? 'none (taskset unavailable or fewer than 2 cores)' : `server on core ${cores.server}, load generator on core ${cores.load}`}`)
  const http = await measureHttp()
  const summary = summarise(http)
  const targets = targetRows(summary)

  log(`heap: ${formatNumber(settings.heapCount)} error responses`)
  const heap = await runNode(['--expose-gc', script('heap.js'), String(settings.heapCount)], cores?.server)
  const pkg = await import('../dist/esm/index.js')
  const presetNames = pkg.presets === undefined ? [] : Object.keys(pkg.presets)
  const registration = []
  for (const name of [undefined, ...presetNames]) {
    registration.push(await runNode(['--expose-gc', script('register.js'), ...(name === undefined ? [] : [name])], cores?.server))
  }

  const environment = `Node ${process.version}, fastify ${JSON.parse(readFileSync(new URL('../node_modules/fastify/package.json', import.meta.url))).version}, ` +
    `${platform()} ${cpus()[0]?.model ?? 'unknown CPU'} x${cpus().length}, ` +
    (cores === undefined ? 'not pinned' : `server pinned to core ${cores.server}, autocannon to core ${cores.load}`) +
    `; ${settings.rounds} interleaved rounds of ${settings.duration} s per route after ${settings.warmup} s warm-up, ` +
    `${settings.connections} connections, pipelining ${settings.pipelining}` +
    (http.features.authRedirect ? '' : '; reply.authRedirect not in this build, so the redirect and form_post routes were skipped')
  const busy = median(Object.values(summary).map((entry) => entry.busy))
  const contention = busy < 0.9
    ? `\n\n**The server was busy only ${(busy * 100).toFixed(0)}% of the time (median): something else shared the machine during this run. ` +
      'Ratios within a round stay comparable; requests/s and spreads are not. Re-run on a quiet machine.**'
    : ''
  const report = [
    '### Requests per second',
    '',
    environment + '.' + contention,
    '',
    httpTable(summary),
    '',
    '### Targets',
    '',
    targetTable(targets),
    '',
    '### Heap',
    '',
    heapText(heap),
    '',
    '### Registration cost',
    '',
    registrationTable(registration),
    presetNames.length === 0 ? '\n(`presets` is not in this build: only the full catalog was measured.)' : ''
  ].join('\n')
  console.log(report)
  if (process.env.BENCH_NO_DOCS !== '1') {
    replaceSection('http', report)
    log('docs/benchmarks.md updated')
  }
  if (targets.some((row) => !row.met)) log('some targets were missed: see the Targets table')
}

await main()
