// The shared test harness lives in @dialer/test-utils; it is exercised here, next to the simulator it wraps.
import { describe, it, expect } from '@jest/globals';
import { SavgAuthToken } from '@dialer/core';
import got from 'got';
import { startSimulator } from '@dialer/test-utils';
import { startReceiver } from './helpers.js';

describe('startSimulator harness', () => {
  it('listens on loopback, authenticates with the test secrets and waits for events', async () => {
    const receiver = await startReceiver();
    const sim = await startSimulator({ outcomes: 'busy=1' });
    try {
      expect(sim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const token = await new SavgAuthToken({ clientId: sim.clientId, clientSecret: sim.clientSecret }).get();
      const response = await got.post(sim.dialoutUrl(), {
        json: { target: 'tel:+15550001234', caller: '+15550001111', notifyurl: receiver.url },
        headers: { auth: token },
        retry: { limit: 0 },
      });
      expect(response.statusCode).toBe(200);
      await sim.waitFor((state) => state.stats().notifications.byReceiverStatus['200'] === 1, 5000);
      expect((await sim.dialouts()).map((r) => r.outcome)).toEqual(['busy']);
      expect((await sim.notifications())[0]?.payload['reason']).toBe('486 Busy Here');
      await expect(sim.waitFor(() => false, 50)).rejects.toThrow(/not met within 50 ms/);
    } finally {
      await sim.close();
      await receiver.close();
    }
  });
});
