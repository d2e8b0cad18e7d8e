// Private test fixtures shared by every package's tests: a real redis-server, isolated key prefixes, polling.
export { startRedisServer, requireRedisServer, type RedisServer, type RedisServerOptions } from './redis-server.js';
// The one implementation is core's (the demo needs it too); re-exported for the tests that pick ports.
export { freePort } from '@dialer/core/process';
export {
  testRedisUrl,
  uniquePrefix,
  testEnv,
  testContext,
  waitUntil,
  TEST_SECRETS,
  type TestContext,
} from './fixtures.js';
export { contactIdOf } from './contact-ids.js';
export { startSimulator, type SimulatorHarness } from './simulator-harness.js';
export { spawnCli, runCli, type CliProcess } from './spawn-cli.js';
export { captureLogger, type CapturedLog } from './capture-logger.js';
export { testCampaignId, testNumbers, createCampaignWithContacts, type SeededContact } from './seed-campaign.js';
export {
  startRedisCluster,
  keysPerNode,
  hashTagOf,
  findRedisCli,
  type RedisCluster,
  type RedisClusterNode,
  type RedisClusterOptions,
} from './redis-cluster.js';
export { refTimersLeftBy } from './open-timers.js';
export { notifyToken, readNotifyToken } from './notify-tokens.js';
