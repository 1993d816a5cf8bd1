// The process `npm run bench:instructions` runs under callgrind (bench/instructions.js starts it
// with the valgrind and V8 flags that make the count repeatable; see there).
//
//   node --expose-gc bench/instructions-worker.js <dir> <count> <warm-up rounds> <warm-up batch> <rounds> <route ids...>
//
// BENCH_MARKS=1 prints a line at each stretch boundary (to line up with --trace-opt output).
//
// 1. Warm-up, not instrumented: every route, `warm-up batch` injects at a time, in alternating
//    order, until V8 has optimised what it will optimise; then two minor collections.
// 2. Writes <dir>/ready and spins until <dir>/go exists; meanwhile the parent switches
//    instrumentation on (`callgrind_control -i on`).
// 3. One uncounted pass over every route, then the count: each route `count` injects, in
//    `rounds` rounds of alternating order. Every
//    `os.getPriority()` call makes callgrind (--dump-before=uv_os_getpriority) write the counts
//    since the previous call, so each stretch lands in a file of its own; <dir>/labels.json names
//    the stretches, and says how many garbage collections ran while counting (there should be none).
import { existsSync, writeFileSync, writeSync } from 'node:fs'
import { getPriority } from 'node:os'
import { join } from 'node:path'
import { PerformanceObserver } from 'node:perf_hooks'
import { activeRoutes, buildApps, emptyRoute, featuresOf, injectOptions } from './apps.js'
import { injectLoop } from './lib.js'

const [dir, count, warmUpRounds, warmUpBatch, rounds, ...ids] = process.argv.slice(2)
const apps = await buildApps()
const known = [emptyRoute, ...activeRoutes(featuresOf(apps))]
const list = ids.map((id) => {
  const route = known.find((candidate) => candidate.id === id)
  if (route === undefined) throw new Error(`unknown or unavailable route ${id}`)
  return { id, app: apps[route.app], options: injectOptions(route), otel: route.otel === true }
})

// Rows marked `otel` run with fastify-auth-errors/otel subscribed (a real sdk-metrics meter),
// only for their own stretch; every other row has no subscriber.
const { instrumentAuthErrors } = list.some((route) => route.otel) ? await import('../dist/esm/otel.js') : {}
const { MeterProvider } = list.some((route) => route.otel) ? await import('@opentelemetry/sdk-metrics') : {}
const meterProvider = MeterProvider === undefined ? undefined : new MeterProvider()

async function run (route, count) {
  const stop = route.otel ? instrumentAuthErrors({ meterProvider }) : undefined
  await injectLoop(route.app, route.options, count)
  stop?.()
}

function inOrder (round) {
  return round % 2 === 0 ? list : [...list].reverse()
}

for (let round = 0; round < Number(warmUpRounds); round++) {
  for (const route of inOrder(round)) await run(route, Number(warmUpBatch))
}

// Two minor collections empty the young generation (what survives twice moves to the old one),
// so the counted injects have all of it to allocate in and no collection runs while counting.
globalThis.gc({ type: 'minor' })
globalThis.gc({ type: 'minor' })
if (process.env.BENCH_MARKS === '1') writeSync(1, 'GATE\n')

let collections = 0
const observer = new PerformanceObserver((entries) => { collections += entries.getEntries().length })
observer.observe({ entryTypes: ['gc'] })

writeFileSync(join(dir, 'ready'), String(process.pid))
let spin = 0
while (!existsSync(join(dir, 'go'))) {
  for (let i = 0; i < 100_000; i++) spin += i
}

// Dump n holds what ran between marker n - 1 and marker n; labels[n - 1] names it.
const labels = []
function marker (label) {
  labels.push(label)
  if (process.env.BENCH_MARKS === '1') writeSync(1, 'MARK ' + label + '\n')
  getPriority()
}

// A first, uncounted pass: what runs for the first time after the spin (and the spin's own
// optimised code leaving) stays out of the counted stretches.
for (const route of list) await run(route, Number(warmUpBatch))
for (let round = 0; round < Number(rounds); round++) {
  for (const route of inOrder(round)) {
    marker('-')
    await run(route, Number(count))
    marker(route.id)
  }
}
marker('-')
await new Promise((resolve) => setImmediate(resolve))
observer.disconnect()
writeFileSync(join(dir, 'labels.json'), JSON.stringify({ labels, collections, spin: spin > 0 }))
await Promise.all(Object.values(apps).map((app) => app.close()))
