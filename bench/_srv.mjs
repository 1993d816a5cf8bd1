import { buildApps } from './apps.js'
const apps = await buildApps()
await apps.plugin.listen({ port: 40001, host: '127.0.0.1' })
await apps.plain.listen({ port: 40002, host: '127.0.0.1' })
setTimeout(() => process.exit(0), Number(process.argv[2]) * 1000)
