/**
 * What the board lets through, route by route, for every route Bull Board 9.10.1 registers (its
 * `appRoutes.api` and history routes). Reads are allowed. On a campaign queue an action that could drop,
 * forge or reschedule a dial job that has not finished is refused (its contact would stall until the reconciler notices,
 * or be dialed outside the dialer's rules); pause and resume mean `dialer campaign pause/resume`. The
 * internal notification queue is read-only: its jobs are SAVG's call outcomes. A mutating route not listed
 * here (a Bull Board upgrade) is refused until someone reviews it: `board-route-policy.test.ts` fails then.
 */

/** What a route may do to a campaign queue. */
export type CampaignRule =
  /** Changes nothing a dial depends on (the worker re-checks contact, attempt and campaign at dial time). */
  | { kind: 'allow' }
  /** Runs `dialer campaign pause` / `resume` for the queue's campaign. */
  | { kind: 'pause' }
  | { kind: 'resume' }
  /** `clean/:queueStatus`: only finished jobs (CLEANABLE_STATUSES). */
  | { kind: 'clean-finished' }
  /** A per-job removal: only of a completed job. */
  | { kind: 'completed-job' }
  | { kind: 'refuse'; why: Refusal };

export type RouteRule =
  | { kind: 'read' }
  /** "Pause all" / "resume all": every campaign, never the notification queue. */
  | { kind: 'pause-all' }
  | { kind: 'resume-all' }
  /** A route on one queue (`:queueName`); on any queue but a campaign's it is refused. */
  | { kind: 'queue'; campaign: CampaignRule }
  /** Not about one queue and changes something: refused. */
  | { kind: 'refuse'; why: Refusal };

/** `clean/:queueStatus` statuses whose jobs have finished (the other statuses hold dial jobs still to run). */
export const CLEANABLE_STATUSES: ReadonlySet<string> = new Set(['completed', 'failed']);

export type Refusal = 'drop' | 'forge' | 'data' | 'schedule' | 'pace' | 'schedulers' | 'history';

const cancel = (id: string) => `\`dialer campaign cancel ${id} --yes\``;

/** Why a refused action is refused, and what to use instead (shown in the board and in the API's answer). */
export function refusalMessage(why: Refusal, queue: string): string {
  switch (why) {
    case 'drop':
      return `Refused: this would remove dial jobs that have not finished, and their contacts would stall until the watchdog's reconciler gives them new ones. To end a campaign use ${cancel(queue)} (every pending contact ends as cancelled); to stop it for a while, \`dialer campaign pause ${queue}\`.`;
    case 'forge':
      return `Refused: a dial job added by hand would dial outside the dialer's rules (attempts, re-dial policy, do-not-call lists). Contacts are added with \`dialer produce <file.csv> --campaign ${queue}\`.`;
    case 'data':
      return `Refused: a dial job's data names the contact and attempt it dials; changed, it would dial another one. To keep a number from being dialed use \`dialer suppress add <number> --campaign ${queue}\`; to end the campaign, ${cancel(queue)}.`;
    case 'schedule':
      return `Refused: the dialer schedules dial jobs itself (calling windows, re-dial delays, pacing). Promote a delayed job to dial it now (the worker still checks its window), or use \`dialer campaign pause ${queue}\` / \`dialer campaign resume ${queue}\`.`;
    case 'pace':
      return `Refused: the dialer paces dial-outs itself (DIAL_RATE_PER_SECOND, MAX_LIVE_CALLS, the campaign's caps, SAVG's back-off). To stop dialing use \`dialer campaign pause ${queue}\`.`;
    case 'schedulers':
      return `Refused: campaign queues have no job schedulers, and running one would add a dial job by hand. Contacts are added with \`dialer produce <file.csv> --campaign ${queue}\`.`;
    case 'history':
      return 'Refused: the board keeps no metrics history to change.';
  }
}

export function cleanRefusedMessage(status: string, queue: string): string {
  return `Refused: only completed and failed jobs can be cleaned; "${status}" jobs have not finished, and their contacts would stall until the watchdog's reconciler gives them new ones. To end a campaign use ${cancel(queue)}; to stop it for a while, \`dialer campaign pause ${queue}\`.`;
}

export function removeRefusedMessage(jobId: string, state: string, queue: string): string {
  return `Refused: only a completed dial job can be removed; job ${jobId} is ${state === 'unknown' ? 'not there' : state}, and removing an unfinished one would stall its contact until the watchdog's reconciler gives it a new one. Retry a failed job instead; to end the campaign use ${cancel(queue)}.`;
}

/** The notification queue (and any queue that is not a campaign's) accepts no change from the board. */
export function readOnlyMessage(queue: string): string {
  if (queue.endsWith('.results'))
    return `Refused: ${queue} is read-only in the board. Its jobs are campaigns' results on their way to the customer's webhook, retried by the dialer itself; removing or changing them would lose or forge results. To send failed ones again use \`dialer results redeliver <campaign id>\`.`;
  return `Refused: ${queue} is read-only in the board. Its jobs are SAVG's call notifications, accepted by the ingester with a signed token and applied to the contacts by its processor (which retries them itself); pausing, removing, adding or changing them would lose or forge call outcomes. Follow progress with \`dialer campaign status <id>\`.`;
}

export function unreviewedMessage(method: string, route: string): string {
  return `Refused: ${method.toUpperCase()} ${route} is not an action this board has reviewed (a newer Bull Board?); use the \`dialer\` CLI.`;
}

const read: RouteRule = { kind: 'read' };
const onQueue = (campaign: CampaignRule): RouteRule => ({ kind: 'queue', campaign });
const refuse = (why: Refusal): RouteRule => onQueue({ kind: 'refuse', why });
const allow = onQueue({ kind: 'allow' });

/** Keyed by `METHOD route`, exactly as Bull Board declares them. */
export const ROUTE_RULES: Readonly<Record<string, RouteRule>> = {
  'GET /api/redis/stats': read,
  'GET /api/queues': read,
  'GET /api/job-schedulers': read,
  'GET /api/queues/:queueName/metrics': read,
  'GET /api/queues/:queueName/default-job-options': read,
  'GET /api/queues/:queueName/workers': read,
  'GET /api/queues/:queueName/rate-limit': read,
  'GET /api/queues/:queueName/job-data-schema': read,
  'GET /api/queues/:queueName/:jobId/logs': read,
  'GET /api/queues/:queueName/:jobId/flow': read,
  'GET /api/queues/:queueName/:jobId': read,
  'GET /api/metrics/history': read,
  'GET /api/metrics/history/usage': read,
  'GET /api/metrics/latency': read,
  'POST /api/metrics/history/purge': { kind: 'refuse', why: 'history' },
  'PUT /api/queues/pause': { kind: 'pause-all' },
  'PUT /api/queues/resume': { kind: 'resume-all' },
  'POST /api/queues/:queueName/add': refuse('forge'),
  // Retrying a failed (or completed) job and promoting a delayed one only make a job run sooner: the
  // worker re-checks the contact's state and attempt, the campaign's state and the calling window.
  'PUT /api/queues/:queueName/retry/:queueStatus': allow,
  'PUT /api/queues/:queueName/promote': allow,
  'PUT /api/queues/:queueName/clean/:queueStatus': onQueue({ kind: 'clean-finished' }),
  'PUT /api/queues/:queueName/pause': onQueue({ kind: 'pause' }),
  'PUT /api/queues/:queueName/resume': onQueue({ kind: 'resume' }),
  'PUT /api/queues/:queueName/concurrency': refuse('pace'),
  'PUT /api/queues/:queueName/rate-limit': refuse('pace'),
  // The worker sets the queue's rate limit to back off (SAVG 429, paused campaign, live-call cap).
  'PUT /api/queues/:queueName/rate-limit/release': refuse('pace'),
  'PUT /api/queues/:queueName/empty': refuse('drop'),
  'PUT /api/queues/:queueName/obliterate': refuse('drop'),
  'PUT /api/queues/:queueName/job-schedulers/:schedulerId/remove': refuse('schedulers'),
  'PATCH /api/queues/:queueName/job-schedulers/:schedulerId': refuse('schedulers'),
  'PUT /api/queues/:queueName/job-schedulers/:schedulerId/run': refuse('schedulers'),
  'PUT /api/queues/:queueName/:jobId/retry': allow,
  'PUT /api/queues/:queueName/:jobId/clean': onQueue({ kind: 'completed-job' }),
  'PUT /api/queues/:queueName/:jobId/promote': allow,
  'PATCH /api/queues/:queueName/:jobId/update-data': refuse('data'),
  'PATCH /api/queues/:queueName/:jobId/delay': refuse('schedule'),
  'PATCH /api/queues/:queueName/:jobId/priority': refuse('schedule'),
  'PUT /api/queues/:queueName/:jobId/remove-unprocessed-children': refuse('drop'),
};

/**
 * The rule of a route. Unlisted: a read (GET) is allowed, anything else refused (fail closed).
 */
export function ruleFor(method: string, route: string): RouteRule | undefined {
  const rule = ROUTE_RULES[`${method.toUpperCase()} ${route}`];
  if (rule) return rule;
  return method.toLowerCase() === 'get' ? read : undefined;
}
