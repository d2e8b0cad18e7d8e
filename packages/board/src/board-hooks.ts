/**
 * Makes Bull Board's buttons mean what the CLI means. Pausing a campaign queue in the board pauses the
 * campaign (state + queue, like `dialer campaign pause`), resuming resumes it (also after an automatic
 * pause), and the actions that would silently drop dial jobs (empty, obliterate) are refused for campaign
 * queues: their contacts would stay "pending" forever; `dialer campaign cancel` ends them properly.
 */
import type { BoardOptions } from '@bull-board/api/typings/app';
import { isDialerError, type CampaignControl, type Logger } from '@dialer/core';

type BoardHooks = NonNullable<BoardOptions['handlerHooks']>;

export const BOARD_PAUSE_REASON = 'paused in Bull Board';

const FORBIDDEN_ON_CAMPAIGNS = new Set(['/api/queues/:queueName/empty', '/api/queues/:queueName/obliterate']);

export interface BoardHookDeps {
  control: CampaignControl;
  isCampaign(queueName: string): boolean;
  campaignIds(): string[];
  logger: Logger;
}

export function campaignHooks(deps: BoardHookDeps): BoardHooks {
  return {
    before: ({ route, request }) => {
      const name = String(request.params?.queueName ?? '');
      if (FORBIDDEN_ON_CAMPAIGNS.has(route) && deps.isCampaign(name)) {
        return {
          allow: false,
          status: 403,
          message: `Removing a campaign's dial jobs would leave its contacts pending forever: use \`dialer campaign cancel ${name}\``,
        };
      }
      return undefined;
    },
    after: async ({ route, request }, result) => {
      if ((result.status ?? 200) !== 200) return result;
      const name = String(request.params?.queueName ?? '');
      if (route === '/api/queues/:queueName/pause' && deps.isCampaign(name)) await pause(deps, name);
      else if (route === '/api/queues/:queueName/resume' && deps.isCampaign(name)) await resume(deps, name);
      else if (route === '/api/queues/pause') for (const id of deps.campaignIds()) await pause(deps, id);
      else if (route === '/api/queues/resume') for (const id of deps.campaignIds()) await resume(deps, id);
      return result;
    },
  };
}

async function pause(deps: BoardHookDeps, id: string): Promise<void> {
  try {
    await deps.control.pauseCampaign(id, BOARD_PAUSE_REASON);
    deps.logger.info({ campaignId: id }, 'campaign paused from the board');
  } catch (err) {
    // A cancelled or completed campaign's queue may be paused; there is no campaign state to change.
    if (!isDialerError(err, 'DIALER_ERR_CAMPAIGN_STATE')) deps.logger.warn({ err, campaignId: id }, 'could not pause the campaign');
  }
}

async function resume(deps: BoardHookDeps, id: string): Promise<void> {
  try {
    await deps.control.resumeCampaign(id);
    deps.logger.info({ campaignId: id }, 'campaign resumed from the board');
  } catch (err) {
    if (!isDialerError(err, 'DIALER_ERR_CAMPAIGN_STATE')) deps.logger.warn({ err, campaignId: id }, 'could not resume the campaign');
  }
}
