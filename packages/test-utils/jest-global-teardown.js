// Stops what jest-global-setup.js started (SIGTERM, SIGKILL after a grace period) and removes its data dir.
export default async function globalTeardown() {
  await globalThis.__DIALER_REDIS_CLUSTER__?.destroy();
  await globalThis.__DIALER_REDIS__?.destroy();
}
