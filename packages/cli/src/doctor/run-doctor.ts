import { gatewayCheck, ingesterCheck, jwtCheck, notifyUrlCheck, configCheck } from './gateway-checks.js';
import { redisChecks } from './redis-checks.js';
import type { CheckResult } from './doctor-check.js';

/**
 * Every `dialer doctor` check, in the order a deployment is set up: the configuration, the gateway's
 * credentials and reachability, Redis, the notify URL and the ingester behind it. Each check reads the
 * environment itself, so one bad variable fails its own check and the others still run.
 */
export async function runDoctor(env: NodeJS.ProcessEnv): Promise<CheckResult[]> {
  const core = await import('@dialer/core');
  const worker = await import('@dialer/worker');
  const redisUrl = env.REDIS_URL || core.DEFAULTS.REDIS_URL;
  const [jwt, gateway, redis, ingester] = await Promise.all([
    jwtCheck(core, env),
    gatewayCheck(worker, env),
    redisChecks(core, redisUrl),
    ingesterCheck(env),
  ]);
  return [configCheck(core, env), jwt, gateway, ...redis, notifyUrlCheck(core, env), ingester];
}
