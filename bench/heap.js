// Heap after many error responses: the plugin keeps no state per request (RULES S5), so a
// million error responses must leave the heap where it started.
//
//   node --expose-gc bench/heap.js [count]
//
// Sends `count` (default 1,000,000) error responses through `fastify.inject`, cycling over the
// plugin's error routes, and samples the collected heap every tenth of the way.
import { activeRoutes, buildApps, featuresOf, injectOptions } from './apps.js'
import { injectLoop } from './lib.js'

const COUNT = Number(process.argv[2] ?? 1_000_000)
const WARM_UP = 20_000
const BATCH = 1_000

function collect () {
  globalThis.gc()
  globalThis.gc()
  return process.memoryUsage().heapUsed
}

const apps = await buildApps()
const cycle = activeRoutes(featuresOf(apps))
  .filter((route) => route.group === 'plugin')
  .map((route) => ({ id: route.id, app: apps[route.app], options: injectOptions(route) }))

async function send (count) {
  for (let sent = 0, turn = 0; sent < count; sent += BATCH, turn++) {
    const route = cycle[turn % cycle.length]
    await injectLoop(route.app, route.options, Math.min(BATCH, count - sent))
  }
}

await send(WARM_UP)
const start = collect()
const samples = []
const started = Date.now()
for (let step = 1; step <= 10; step++) {
  await send(COUNT / 10)
  samples.push(collect())
}
const end = samples[samples.length - 1]
const result = {
  count: COUNT,
  routes: cycle.map((route) => route.id),
  seconds: (Date.now() - started) / 1000,
  start,
  end,
  max: Math.max(...samples),
  samples,
  growth: end - start,
  bytesPerResponse: (end - start) / COUNT
}
await Promise.all(Object.values(apps).map((app) => app.close()))
if (process.send) process.send(result)
else console.log(result)
