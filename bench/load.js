// The load generator process of `npm run bench`: runs autocannon for each request it is sent
// over IPC and answers with the counts. Kept alive between runs so no run pays a process start.
import autocannon from 'autocannon'

function run ({ url, method, headers, duration, connections, pipelining }) {
  return new Promise((resolve, reject) => {
    autocannon({ url, method, headers, duration, connections, pipelining }, (error, result) => {
      if (error) reject(error)
      else resolve(result)
    })
  })
}

process.on('message', async (message) => {
  try {
    const result = await run(message)
    process.send({
      requests: result.requests.total,
      duration: result.duration,
      statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, stats]) => [code, stats.count])),
      errors: result.errors,
      timeouts: result.timeouts,
      latencyP50: result.latency.p50,
      latencyP99: result.latency.p99
    })
  } catch (error) {
    process.send({ error: String(error) })
  }
})
process.on('disconnect', () => process.exit(0))
process.send({ ready: true })
