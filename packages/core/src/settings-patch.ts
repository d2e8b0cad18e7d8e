/**
 * A change to a running campaign's settings (`dialer campaign set`, the API's PATCH): which keys may change, how
 * a change merges into the stored settings, and its validation, which is the settings file's. Pure: the store
 * writes the result atomically (campaign-settings-update.ts).
 *
 * Merge: each key given replaces the campaign's whole value of that key, resolved like the settings file (parts
 * left out of `window` or `redial` take the settings file's defaults, `redial` delays REDIAL_DELAY_MS of the
 * process applying the change); keys not given keep their stored value. `null` removes a key: `ratePerSecond`
 * and `maxLiveCalls` (back to the global limits only), `trunk` (the gateway's default carrier), `blackoutDates`
 * (none), `metadata` (`{}`), `window` and `redial` (their defaults), `results` (no webhook from then on: deliveries
 * still queued are dropped by the deliverer).
 */
import { z } from 'zod';
import { campaignSettingsInputSchema, resolveCampaignSettings, type CampaignSettings } from './campaign-settings.js';
import type { DialerConfig } from './config.js';
import { DialerError } from './errors.js';

/** The settings a running campaign may change; every other key is fixed at creation. */
export const PATCHABLE_SETTINGS = [
  'ratePerSecond',
  'maxLiveCalls',
  'window',
  'blackoutDates',
  'caller',
  'trunk',
  'metadata',
  'redial',
  'results',
] as const;
export type PatchableSetting = (typeof PATCHABLE_SETTINGS)[number];

const shape = campaignSettingsInputSchema.shape;

/** The body of a settings change: the patchable keys, each as in the settings file, or `null` to remove it. */
export const campaignSettingsPatchSchema = z.strictObject({
  ratePerSecond: shape.ratePerSecond.unwrap().nullable().optional(),
  maxLiveCalls: shape.maxLiveCalls.unwrap().nullable().optional(),
  window: shape.window.unwrap().nullable().optional(),
  blackoutDates: shape.blackoutDates.unwrap().nullable().optional(),
  // A campaign always has a caller: it can be replaced, not removed.
  caller: shape.caller.unwrap().optional(),
  trunk: shape.trunk.unwrap().nullable().optional(),
  metadata: shape.metadata.unwrap().nullable().optional(),
  redial: shape.redial.unwrap().nullable().optional(),
  // The results webhook: added, changed (a new URL or secret applies to deliveries from then on) or removed.
  results: shape.results.unwrap().nullable().optional(),
});
export type CampaignSettingsPatch = z.infer<typeof campaignSettingsPatchSchema>;

function settingsError(problems: string[]): DialerError {
  return new DialerError('DIALER_ERR_SETTINGS', `Invalid settings change: ${problems.join('; ')}`, { problems });
}

/** Validates a patch (parsed JSON): only patchable keys, each valid; errors name the key. */
export function parseSettingsPatch(input: unknown): CampaignSettingsPatch {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw settingsError(['(root): must be an object of settings to change']);
  const unknown = Object.keys(input).filter((k) => !(PATCHABLE_SETTINGS as readonly string[]).includes(k));
  if (unknown.length > 0)
    throw settingsError(
      unknown.map((k) => `${k}: cannot be changed on an existing campaign (allowed: ${PATCHABLE_SETTINGS.join(', ')})`),
    );
  if (Object.keys(input).length === 0) throw settingsError(['(root): nothing to change']);
  const parsed = campaignSettingsPatchSchema.safeParse(input);
  if (!parsed.success)
    throw settingsError(parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
  return parsed.data;
}

/**
 * The stored settings written as a settings file would say them: what a change is merged into. A re-dial rule's
 * `maxAttempts` equal to the campaign's `redial.maxAttempts` is left out (it was, or now counts as, inherited), so
 * that a new `redial.maxAttempts` given through `dialer campaign set redial.maxAttempts=N` applies to it too.
 */
export function settingsAsInput(settings: CampaignSettings): Record<string, unknown> {
  const { redial, ...rest } = settings;
  const rules = Object.fromEntries(
    Object.entries(redial.rules).map(([outcome, rule]) => [
      outcome,
      rule.maxAttempts === redial.maxAttempts ? { delayMs: rule.delayMs } : { ...rule },
    ]),
  );
  // JSON drops the keys whose value is undefined, as the stored settings do.
  return JSON.parse(JSON.stringify({ ...rest, redial: { maxAttempts: redial.maxAttempts, rules } })) as Record<
    string,
    unknown
  >;
}

/**
 * The settings after the change, validated as a whole like the settings file (a new `window` must still leave
 * the campaign's region rules some time, `end` after `start`, …), and the keys whose value changed.
 */
export function applySettingsPatch(
  stored: CampaignSettings,
  patch: CampaignSettingsPatch,
  config: DialerConfig,
): { settings: CampaignSettings; changed: PatchableSetting[] } {
  const input = settingsAsInput(stored);
  for (const key of PATCHABLE_SETTINGS) {
    if (!(key in patch)) continue;
    const value = patch[key];
    if (value === null || value === undefined) delete input[key];
    else input[key] = value;
  }
  // Defaults that depend on the environment must not creep in: a trunk removed stays removed (not SAVG_TRUNK of
  // whoever applies the change); the caller is always in `input`.
  const resolveConfig: DialerConfig = { ...config, savg: { ...config.savg, trunk: undefined } };
  const settings = resolveCampaignSettings(input, resolveConfig);
  const changed = PATCHABLE_SETTINGS.filter(
    (k) => JSON.stringify(settings[k] ?? null) !== JSON.stringify(stored[k] ?? null),
  );
  return { settings, changed };
}
