// `@dialer/core/process`: the child-process helpers alone (also exported by name from the package's index),
// for code that must not load the rest of core: Jest's global setup starts the tests' redis-server with them.
export {
  findRedisServer,
  pingRedis,
  launchRedisServer,
  type LaunchRedisOptions,
  type LaunchedRedis,
} from './process/redis-server.js';
export { freePort, acceptsConnections, waitForPort, type WaitForPortOptions } from './process/ports.js';
export { stopProcess, signalProcess, processExited, hasExited, type StopOptions } from './process/stop-process.js';
