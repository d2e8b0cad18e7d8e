// Every route the installed Bull Board registers has been reviewed: an upgrade that adds a route fails here
// until the route is given a rule in board-route-policy.ts (meanwhile a mutating one is refused: fail closed).
import { describe, it, expect } from '@jest/globals';
import { createRequire } from 'node:module';
import { ROUTE_RULES, ruleFor } from '../src/board-route-policy.js';

interface BullBoardRoute {
  method: string | string[];
  route: string | string[];
}

// Bull Board's route table (CommonJS, not part of its typed surface: read the way Bull Board itself does).
const require = createRequire(import.meta.url);
const { appRoutes, buildHistoryRoutes } = require('@bull-board/api/dist/routes.js') as {
  appRoutes: { api: BullBoardRoute[] };
  buildHistoryRoutes: (provider: unknown, capabilities: Record<string, boolean>) => BullBoardRoute[];
};

const keysOf = (routes: BullBoardRoute[]) =>
  routes.flatMap((r) => [r.method].flat().flatMap((m) => [r.route].flat().map((path) => `${m.toUpperCase()} ${path}`)));

const installed = keysOf([
  ...appRoutes.api,
  ...buildHistoryRoutes({}, { hasUsage: true, canPurge: true, hasLatency: true }),
]);

describe('board route policy', () => {
  it('has a rule for every route Bull Board registers, and for no route it does not', () => {
    expect(installed.length).toBeGreaterThan(30);
    expect(installed.filter((k) => !(k in ROUTE_RULES))).toEqual([]);
    expect(Object.keys(ROUTE_RULES).filter((k) => !installed.includes(k))).toEqual([]);
  });

  it('never treats a mutating route as a read', () => {
    const mutatingReads = Object.entries(ROUTE_RULES).filter(
      ([k, rule]) => !k.startsWith('GET ') && rule.kind === 'read',
    );
    expect(mutatingReads).toEqual([]);
  });

  it('refuses a mutating route it has not reviewed and lets an unknown read through', () => {
    for (const method of ['post', 'put', 'patch', 'delete'])
      expect(ruleFor(method, '/api/queues/:queueName/something-new')).toBeUndefined();
    expect(ruleFor('get', '/api/queues/:queueName/something-new')).toEqual({ kind: 'read' });
    expect(ruleFor('put', '/api/queues/:queueName/empty')).toEqual({
      kind: 'queue',
      campaign: { kind: 'refuse', why: 'drop' },
    });
  });
});
