export default async function globalTeardown() {
  await globalThis.__DIALER_REDIS_CLUSTER__?.destroy();
  const child = globalThis.__DIALER_REDIS__;
  if (child && child.exitCode === null) {
    const done = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await done;
  }
}
