// The server process of `npm run bench`: the three apps of bench/apps.js on loopback ports.
// Driven over IPC by bench/run.js; run with --expose-gc so each measurement starts collected.
import { activeRoutes, buildApps, featuresOf, verify } from './apps.js'

const apps = await buildApps()
const features = featuresOf(apps)
const problems = await verify(apps, activeRoutes(features))
const ports = {}
for (const [name, app] of Object.entries(apps)) {
  await app.listen({ host: '127.0.0.1', port: 0 })
  ports[name] = app.server.address().port
}

const commands = {
  gc () {
    globalThis.gc?.()
    return {}
  },
  cpu () {
    return { cpu: process.cpuUsage(), memory: process.memoryUsage() }
  }
}

process.on('message', (message) => {
  const command = commands[message.cmd]
  process.send(command === undefined ? { error: `unknown command ${message.cmd}` } : command())
})
process.on('disconnect', () => {
  Promise.all(Object.values(apps).map((app) => app.close())).then(() => process.exit(0))
})
process.send({ ports, features, problems })
