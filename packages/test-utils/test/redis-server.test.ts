// The private redis-server fixture leaves nothing behind that holds the process: its readiness probes fail
// while the server boots, and closing a failed probe must not arm ioredis's 2 s disconnect timer (that timer
// outlived redis-down.test.ts and Jest force-exited its worker: "failed to exit gracefully").
import { describe, it, expect, afterAll } from '@jest/globals';
import { refTimersLeftBy, startRedisServer, type RedisServer } from '@dialer/test-utils';

let server: RedisServer | undefined;
afterAll(async () => server?.destroy());

describe('startRedisServer', () => {
  it("starts, stops and restarts without leaving a ref'd timer", async () => {
    expect(await refTimersLeftBy(async () => (server = await startRedisServer()))).toEqual([]);
    await server!.stop();
    expect(await refTimersLeftBy(() => server!.restart())).toEqual([]);
  });
});
