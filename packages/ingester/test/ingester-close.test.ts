// Closing the ingester leaves nothing that holds the process, also when it is closed twice (a test's own
// close then its afterAll; a second SIGTERM): a connection that has ended is not disconnected again, which
// would arm ioredis's 2 s disconnect timer and keep a Jest worker past its grace.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { createLogger } from '@dialer/core';
import { buildIngester } from '@dialer/ingester';
import { refTimersLeftBy, testContext, type TestContext } from '@dialer/test-utils';
import { listen } from './helpers.js';

let ctx: TestContext;
beforeAll(() => {
  ctx = testContext();
});
afterAll(async () => ctx.close());

describe('ingester close()', () => {
  it("leaves no ref'd timer, also when called again", async () => {
    const ingester = buildIngester({ config: ctx.config, logger: createLogger({ level: 'silent' }) });
    await listen(ingester.app);
    await ingester.listenMetrics();
    await ingester.start();
    const closeTwice = async () => {
      await ingester.close();
      await ingester.close();
    };
    expect(await refTimersLeftBy(closeTwice)).toEqual([]);
    // And later again (every connection has ended by now).
    expect(await refTimersLeftBy(() => ingester.close())).toEqual([]);
  });
});
