// `npm run bench:instructions`: CPU instructions per request of every route of bench/apps.js,
// counted by valgrind's callgrind over a fixed number of `fastify.inject` calls. Unlike
// requests/s this does not depend on what else the machine is doing.
//
// How the count is made repeatable (to a fraction of a percent between rounds and between runs):
// - one process (bench/instructions-worker.js) under callgrind, instrumentation off while it
//   warms up (--instr-atstart=no), switched on with `callgrind_control -i on` once it is warm;
// - V8 tiers up early (--interrupt-budget=4096) so a short warm-up reaches optimised code, and
//   compiles on the main thread (--no-concurrent-recompilation, --no-concurrent-osr) so what is
//   optimised, and when, does not depend on how valgrind schedules helper threads;
// - no garbage collection runs while counting: a collection would land in one stretch and not
//   another, and a full one throws optimised code away. The worker empties the young generation
//   (two minor collections) once it is warm; 512 MiB semi-spaces, no scheduled minor
//   collections, no memory reducer and a 2 GiB initial old space leave the counted injects room;
//   allocation-site pretenuring is off, since its decisions after a collection deoptimise code.
//   Allocation is counted; collecting it is not. The worker reports how many collections ran
//   while counting (there should be none);
// - only the main thread is counted (--separate-threads=yes);
// - each stretch of `count` injects of one route lands in a dump of its own
//   (--dump-before=uv_os_getpriority: the worker calls os.getPriority() between stretches);
//   rounds alternate the order of routes, and the table shows the median round.
// The cost of an empty 204 route (the inject machinery, routing, a reply) is shown and
// subtracted, so "net" is what a route adds on top of answering at all.
//
// Settings (environment): BENCH_IR_COUNT injects per stretch (300), BENCH_IR_ROUNDS (3),
// BENCH_IR_WARMUP_ROUNDS (10), BENCH_IR_WARMUP_BATCH (100), BENCH_IR_ROUTES (comma-separated
// route ids, default all), BENCH_KEEP=1 (keep the callgrind files), BENCH_NO_DOCS=1.
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { activeRoutes, buildApps, emptyRoute, featuresOf, verify } from './apps.js'
import { replaceSection } from './docs.js'
import { formatNumber, formatRatio, markdownTable, median, spread } from './lib.js'

const settings = {
  count: Number(process.env.BENCH_IR_COUNT ?? 300),
  rounds: Number(process.env.BENCH_IR_ROUNDS ?? 3),
  warmUpRounds: Number(process.env.BENCH_IR_WARMUP_ROUNDS ?? 10),
  warmUpBatch: Number(process.env.BENCH_IR_WARMUP_BATCH ?? 100)
}
const V8_FLAGS = [
  '--expose-gc', '--min-semi-space-size=512', '--max-semi-space-size=512', '--no-minor-gc-task', '--no-memory-reducer',
  '--initial-old-space-size=2048', '--no-allocation-site-pretenuring',
  '--interrupt-budget=4096', '--no-concurrent-recompilation', '--no-concurrent-osr'
]

function log (line) {
  process.stderr.write(line + '\n')
}

function requireTool (name, args) {
  try {
    execFileSync(name, args, { stdio: 'ignore' })
  } catch {
    log(`${name} is not available: install valgrind (Debian: apt-get install valgrind) to count instructions`)
    process.exit(1)
  }
}

/** The routes to count, after checking that each plugin route and its twin answer alike. */
async function routeList () {
  const apps = await buildApps()
  const list = activeRoutes(featuresOf(apps))
  const problems = await verify(apps, list)
  await Promise.all(Object.values(apps).map((app) => app.close()))
  for (const problem of problems) log(`${problem.fatal ? 'ERROR' : 'warning'}: ${problem.route}: ${problem.message}`)
  if (problems.some((problem) => problem.fatal)) throw new Error('a plugin route and its hand-written twin do not send the same response')
  const only = process.env.BENCH_IR_ROUTES?.split(',')
  return [emptyRoute, ...list.filter((route) => only === undefined || only.includes(route.id))]
}

async function count (ids) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-instructions-'))
  const logFile = join(dir, 'valgrind.log')
  const child = spawn('valgrind', [
    '--tool=callgrind', '--instr-atstart=no', '--dump-before=uv_os_getpriority', '--separate-threads=yes',
    `--callgrind-out-file=${join(dir, 'callgrind.out')}`, `--log-file=${logFile}`,
    process.execPath, ...V8_FLAGS, new URL('instructions-worker.js', import.meta.url).pathname,
    dir, String(settings.count), String(settings.warmUpRounds), String(settings.warmUpBatch), String(settings.rounds), ...ids
  ], { stdio: ['ignore', 'inherit', 'inherit'] })
  const state = { exited: false }
  const exited = new Promise((resolve) => child.once('exit', resolve))
  exited.then(() => { state.exited = true })

  const started = Date.now()
  while (!existsSync(join(dir, 'ready')) && !state.exited) await sleep(200)
  if (state.exited) throw new Error(`the worker ended before it was warm: see ${logFile}`)
  log(`warm-up done in ${((Date.now() - started) / 1000).toFixed(0)} s; counting`)
  execFileSync('callgrind_control', ['-i', 'on', String(child.pid)], { stdio: 'ignore' })
  writeFileSync(join(dir, 'go'), '')
  const code = await exited
  if (code !== 0) throw new Error(`valgrind exited with ${code}: see ${logFile}`)
  log(`counted in ${((Date.now() - started) / 1000).toFixed(0)} s in all`)

  const { labels, collections } = JSON.parse(readFileSync(join(dir, 'labels.json'), 'utf8'))
  const perRoute = {}
  labels.forEach((label, index) => {
    if (label === '-') return
    const dump = readFileSync(join(dir, `callgrind.out.${index + 1}-01`), 'utf8')
    const total = Number(/^totals:\s*(\d+)/m.exec(dump)?.[1])
    ;(perRoute[label] ??= []).push(total / settings.count)
  })
  if (process.env.BENCH_KEEP === '1') log(`callgrind files kept in ${dir}`)
  else rmSync(dir, { recursive: true, force: true })
  return { perRoute, collections }
}

function report (list, { perRoute, collections }) {
  const byId = Object.fromEntries(list.map((route) => [route.id, median(perRoute[route.id])]))
  const empty = byId.empty
  const rows = list.map((route) => {
    const value = byId[route.id]
    const twin = route.twin === route.id ? undefined : byId[route.twin]
    return [
      route.id,
      route.label,
      formatNumber(value),
      '±' + (spread(perRoute[route.id]) / 2).toFixed(2) + '%',
      route.id === 'empty' ? '' : formatNumber(value - empty),
      twin === undefined ? (route.twin === route.id ? '(twin)' : '') : route.twin,
      twin === undefined ? '' : formatRatio(value / twin),
      twin === undefined ? '' : formatRatio((value - empty) / (twin - empty))
    ]
  })
  const table = markdownTable(
    ['route', 'what', 'instructions/request', 'spread', 'net of empty route', 'twin', 'ratio to twin', 'net ratio'],
    rows, ['l', 'l', 'r', 'r', 'r', 'l', 'r', 'r'])
  const checks = list.filter((route) => route.group === 'plugin' && route.twin !== route.id && byId[route.twin] !== undefined)
    .map((route) => {
      const fewer = byId[route.id] < byId[route.twin]
      return `- ${route.id}: ${formatNumber(byId[route.id])} vs ${route.twin} ${formatNumber(byId[route.twin])}, ` +
        `${fewer ? 'fewer' : 'MORE'} instructions than its hand-written twin` + (route.id === 'authError' ? ` (target: fewer, ${fewer ? 'met' : 'MISSED'})` : '')
    })
  return [
    '### Instructions per request',
    '',
    `callgrind, ${process.version}, ${settings.rounds} rounds of ${settings.count} injects per route after ` +
      `${settings.warmUpRounds} x ${settings.warmUpBatch} warm-up injects per route; median round shown, spread is half the range across rounds; ` +
      `garbage collections while counting: ${collections}.`,
    '',
    table,
    '',
    ...checks
  ].join('\n')
}

requireTool('valgrind', ['--version'])
requireTool('callgrind_control', ['--version'])
const list = await routeList()
log(`counting ${list.length} routes under callgrind: ${settings.warmUpRounds} x ${settings.warmUpBatch} warm-up, ${settings.rounds} x ${settings.count} counted injects each`)
const text = report(list, await count(list.map((route) => route.id)))
console.log(text)
if (process.env.BENCH_NO_DOCS !== '1') {
  replaceSection('instructions', text)
  log('docs/benchmarks.md updated')
}
