// The `samsa` package entry: embed a broker in-process.
//
//   import { startBroker } from 'samsa'
//   const broker = await startBroker({ port: 0 })   // in memory, ephemeral port
//   // … clients connect to broker.bootstrap ('127.0.0.1:PORT') …
//   await broker.close()

export { startBroker, type BrokerOptions, type RunningBroker } from './broker/server.ts'
export { ConfigError } from './broker/config/load.ts'
export { ManualClock, systemClock, type Clock } from './broker/clock.ts'
export { createLogger, silentLogger, type Logger } from './broker/logger.ts'
