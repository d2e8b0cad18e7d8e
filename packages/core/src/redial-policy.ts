import type { CampaignSettings } from './campaign-settings.js';
import type { Outcome } from './outcomes.js';

export type RedialDecision = { redial: true; delayMs: number } | { redial: false; reason: 'no-rule' | 'max-attempts' };

/**
 * Whether attempt `attempt` (1-based) ending with `outcome` is followed by another attempt.
 * A pure function of the outcome, the attempt number and the campaign's policy: an outcome without a
 * rule never re-dials; a rule's `maxAttempts` counts every attempt, the first one included.
 */
export function decideRedial(outcome: Outcome, attempt: number, policy: CampaignSettings['redial']): RedialDecision {
  const rule = policy.rules[outcome];
  if (!rule) return { redial: false, reason: 'no-rule' };
  if (attempt >= rule.maxAttempts) return { redial: false, reason: 'max-attempts' };
  return { redial: true, delayMs: rule.delayMs };
}
