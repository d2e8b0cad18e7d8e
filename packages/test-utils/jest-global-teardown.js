export default async function globalTeardown() {
  const child = globalThis.__DIALER_REDIS__;
  if (child && child.exitCode === null) {
    const done = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await done;
  }
}
