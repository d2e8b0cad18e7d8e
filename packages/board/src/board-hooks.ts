/**
 * Enforces the board's route policy (board-route-policy.ts) on the server, where a client calling the API
 * directly meets it too (hidden buttons are not a guard). Pausing a campaign queue in the board pauses the
 * campaign (state + queue, like `dialer campaign pause`), resuming resumes it (also after an automatic
 * pause); "pause all" / "resume all" do that for every campaign and never touch the notification queue.
 */
import type { BoardOptions } from '@bull-board/api/typings/app';
import type { Queue } from 'bullmq';
import {
  isDialerError,
  type CampaignControl,
  type CampaignQueues,
  type CampaignStore,
  type Logger,
} from '@dialer/core';
import {
  CLEANABLE_STATUSES,
  cleanRefusedMessage,
  readOnlyMessage,
  refusalMessage,
  removeRefusedMessage,
  ruleFor,
  unreviewedMessage,
  type CampaignRule,
} from './board-route-policy.js';

type BoardHooks = NonNullable<BoardOptions['handlerHooks']>;
type HookContext = Parameters<NonNullable<BoardHooks['before']>>[0];
type BeforeResult = Awaited<ReturnType<NonNullable<BoardHooks['before']>>>;

export const BOARD_PAUSE_REASON = 'paused in Bull Board';

export interface BoardHookDeps {
  control: CampaignControl;
  store: CampaignStore;
  queues: CampaignQueues;
  /** The internal notification queue (a pause of it is undone: see `after`). */
  notifyQueue: Queue;
  isCampaign(queueName: string): boolean;
  campaignIds(): string[];
  logger: Logger;
}

const ALLOW: BeforeResult = undefined;

export function campaignHooks(deps: BoardHookDeps): BoardHooks {
  // Whether the notification queue was paused before a "pause all" (keyed by the request of that call).
  const notifyPausedBefore = new WeakMap<object, boolean>();

  const refuse = (ctx: HookContext, message: string, status: 403 | 409 = 403): BeforeResult => {
    deps.logger.warn(
      { method: ctx.method, route: ctx.route, queue: queueOf(ctx) || undefined, status },
      'board action refused',
    );
    return { allow: false, status, message };
  };

  const onCampaign = async (ctx: HookContext, rule: CampaignRule, name: string): Promise<BeforeResult> => {
    const params = (ctx.request.params ?? {}) as Record<string, unknown>;
    switch (rule.kind) {
      case 'allow':
        return ALLOW;
      case 'refuse':
        return refuse(ctx, refusalMessage(rule.why, name));
      case 'clean-finished': {
        const status = String(params.queueStatus ?? '');
        return CLEANABLE_STATUSES.has(status) ? ALLOW : refuse(ctx, cleanRefusedMessage(status, name));
      }
      case 'completed-job': {
        const jobId = String(params.jobId ?? '');
        const state = await deps.queues.get(name).getJobState(jobId);
        // An unknown job is refused too: its deterministic id may be added between this check and the removal.
        return state === 'completed' ? ALLOW : refuse(ctx, removeRefusedMessage(jobId, state, name));
      }
      case 'pause':
        // The campaign first (state, then queue, like the CLI); Bull Board's own pause is then a no-op.
        try {
          await deps.control.pauseCampaign(name, BOARD_PAUSE_REASON);
          deps.logger.info({ campaignId: name }, 'campaign paused from the board');
          return ALLOW;
        } catch (err) {
          // A cancelled campaign's queue must keep flowing (late re-dials end as cancelled there).
          if (isDialerError(err, 'DIALER_ERR_CAMPAIGN_STATE')) return refuse(ctx, `Refused: ${err.message}`, 409);
          throw err;
        }
      case 'resume':
        // State before queue: a worker that fetches a job of a resumed queue must find the campaign running.
        try {
          await deps.control.resumeCampaign(name);
          deps.logger.info({ campaignId: name }, 'campaign resumed from the board');
        } catch (err) {
          // A finished campaign has no state to change; resuming its queue is what a cancel wants anyway.
          if (!isDialerError(err, 'DIALER_ERR_CAMPAIGN_STATE')) throw err;
        }
        return ALLOW;
    }
  };

  return {
    before: async (ctx) => {
      try {
        const rule = ruleFor(ctx.method, ctx.route);
        if (!rule) return refuse(ctx, unreviewedMessage(ctx.method, ctx.route));
        switch (rule.kind) {
          case 'read':
            return ALLOW;
          case 'refuse':
            return refuse(ctx, refusalMessage(rule.why, ''));
          case 'pause-all':
            notifyPausedBefore.set(ctx.request, await deps.notifyQueue.isPaused());
            for (const id of deps.campaignIds()) await pauseQuietly(deps, id);
            return ALLOW;
          case 'resume-all':
            for (const id of deps.campaignIds()) await resumeQuietly(deps, id);
            return ALLOW;
          case 'queue': {
            const name = queueOf(ctx);
            if (!deps.isCampaign(name)) return refuse(ctx, readOnlyMessage(name));
            const verdict = await onCampaign(ctx, rule.campaign, name);
            if (verdict === ALLOW)
              deps.logger.info({ method: ctx.method, route: ctx.route, queue: name }, 'board action');
            return verdict;
          }
        }
      } catch (err) {
        // Bull Board answers 500 to a hook that throws, without logging why.
        deps.logger.error({ err, method: ctx.method, route: ctx.route }, 'board action check failed; refused');
        throw err;
      }
    },
    after: async (ctx, result) => {
      if ((result.status ?? 200) >= 300) return result;
      const rule = ruleFor(ctx.method, ctx.route);
      if (rule?.kind === 'pause-all') {
        // Bull Board pauses every writable queue, finished campaigns' too: put those back.
        for (const id of deps.campaignIds()) await unpauseIfFinished(deps, id);
        // The notification queue is read-only (Bull Board skips it); should a newer Bull Board pause it
        // anyway, undo that: a paused notification queue leaves every call outcome unapplied.
        if (!notifyPausedBefore.get(ctx.request) && (await deps.notifyQueue.isPaused())) {
          await deps.notifyQueue.resume();
          deps.logger.error({}, 'the notification queue was paused by "pause all" in the board; resumed it');
        }
      } else if (rule?.kind === 'queue' && rule.campaign.kind === 'pause') {
        // The campaign may have been cancelled between our pause and Bull Board's.
        await unpauseIfFinished(deps, queueOf(ctx));
      }
      return result;
    },
  };
}

function queueOf(ctx: HookContext): string {
  return String((ctx.request.params as Record<string, unknown> | undefined)?.queueName ?? '');
}

async function pauseQuietly(deps: BoardHookDeps, id: string): Promise<void> {
  try {
    await deps.control.pauseCampaign(id, BOARD_PAUSE_REASON);
    deps.logger.info({ campaignId: id }, 'campaign paused from the board');
  } catch (err) {
    // A cancelled or completed campaign has no state to change.
    if (!isDialerError(err, 'DIALER_ERR_CAMPAIGN_STATE'))
      deps.logger.warn({ err, campaignId: id }, 'could not pause the campaign');
  }
}

async function resumeQuietly(deps: BoardHookDeps, id: string): Promise<void> {
  try {
    await deps.control.resumeCampaign(id);
    deps.logger.info({ campaignId: id }, 'campaign resumed from the board');
  } catch (err) {
    if (!isDialerError(err, 'DIALER_ERR_CAMPAIGN_STATE'))
      deps.logger.warn({ err, campaignId: id }, 'could not resume the campaign');
  }
}

/** A cancelled campaign's queue must never stay paused (re-dials scheduled late must reach a worker to end). */
async function unpauseIfFinished(deps: BoardHookDeps, id: string): Promise<void> {
  const state = await deps.store.getState(id);
  if (state !== 'cancelled' && state !== 'completed') return;
  const queue = deps.queues.get(id);
  if (await queue.isPaused()) {
    await queue.resume();
    deps.logger.info({ campaignId: id, state }, 'kept the queue of a finished campaign flowing');
  }
}
