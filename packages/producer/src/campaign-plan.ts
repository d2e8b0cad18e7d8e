import {
  CAMPAIGN_ID_PATTERN,
  DialerError,
  isDialerError,
  resolveCampaignSettings,
  type CampaignSettings,
  type CampaignStore,
  type DialerConfig,
  type RegionRule,
} from '@dialer/core';
import { readRulesFile, readSettingsFile } from './settings-file.js';

/** The settings the import would create the campaign with, or why it cannot. */
export interface SettingsPlan {
  /** Whether the user gave settings (`--settings`), which must then match an existing campaign's. */
  explicit: boolean;
  settings?: CampaignSettings;
  /** Resolving the env defaults failed: only an error if the campaign has to be created. */
  deferredError?: DialerError;
}

export function checkCampaignId(id: string): void {
  if (!CAMPAIGN_ID_PATTERN.test(id)) {
    throw new DialerError(
      'DIALER_ERR_SETTINGS',
      `Invalid campaign id "${id}": use 1–64 letters, digits, "_" or "-", starting with a letter or digit`,
      { campaignId: id },
    );
  }
}

/**
 * Reads and validates the settings without touching Redis. A rules file (`--rules`) gives `regionRules` under the
 * settings' own: the settings win per region.
 */
export async function planSettings(
  settingsFile: string | undefined,
  settings: unknown,
  config: DialerConfig,
  rulesFile?: string,
): Promise<SettingsPlan> {
  const explicit = settingsFile !== undefined || settings !== undefined || rulesFile !== undefined;
  let input = settingsFile !== undefined ? await readSettingsFile(settingsFile) : settings;
  let fromRulesFile: string[] = [];
  if (rulesFile !== undefined) {
    const merged = withRegionRules(input, await readRulesFile(rulesFile));
    input = merged.input;
    fromRulesFile = merged.fromFile;
  }
  try {
    const resolved = resolveCampaignSettings(input ?? {}, config);
    return { explicit, settings: resolved };
  } catch (err) {
    if (explicit && isDialerError(err) && (settingsFile !== undefined || rulesFile !== undefined)) {
      throw namingFiles(err, settingsFile, rulesFile, fromRulesFile);
    }
    if (explicit || !isDialerError(err)) throw err;
    return { explicit, deferredError: err };
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The settings with the rules file's regions added under their own `regionRules`; which regions came from the file. */
function withRegionRules(
  input: unknown,
  fileRules: Record<string, RegionRule>,
): { input: unknown; fromFile: string[] } {
  if (Object.keys(fileRules).length === 0) return { input, fromFile: [] };
  const base = input ?? {};
  // Settings that are not an object (or whose regionRules is not) are left for validation to refuse.
  if (!isPlainObject(base) || (base.regionRules !== undefined && !isPlainObject(base.regionRules))) {
    return { input, fromFile: [] };
  }
  const own = base.regionRules ?? {};
  const fromFile = Object.keys(fileRules).filter((code) => !(code in own));
  return { input: { ...base, regionRules: { ...fileRules, ...own } }, fromFile };
}

/** A settings error with the file each problem came from: the rules file for its regions, else the settings file. */
function namingFiles(
  err: DialerError,
  settingsFile: string | undefined,
  rulesFile: string | undefined,
  fromRulesFile: string[],
): DialerError {
  const problems = Array.isArray(err.details?.problems) ? (err.details.problems as string[]) : undefined;
  const ofRulesFile = (p: string) =>
    fromRulesFile.find((code) => p.startsWith(`regionRules.${code}:`) || p.startsWith(`regionRules.${code}.`));
  if (!problems || rulesFile === undefined || !problems.some(ofRulesFile)) {
    if (settingsFile === undefined) return err;
    return new DialerError(err.code, `${settingsFile}: ${err.message}`, err.details, { cause: err });
  }
  const named = problems.map((p) => (ofRulesFile(p) ? `${rulesFile}: ${p.slice('regionRules.'.length)}` : p));
  const prefix = settingsFile !== undefined && !problems.every(ofRulesFile) ? `${settingsFile}: ` : '';
  return new DialerError(err.code, `${prefix}Invalid campaign settings: ${named.join('; ')}`, err.details, {
    cause: err,
  });
}

/** JSON with sorted keys: stored settings went through JSON, so compare them the same way. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}

function differingKeys(a: CampaignSettings, b: CampaignSettings): string[] {
  const left = JSON.parse(JSON.stringify(a)) as Record<string, unknown>;
  const right = JSON.parse(JSON.stringify(b)) as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(left), ...Object.keys(right)])].sort();
  return keys.filter((k) => canonicalJson(left[k]) !== canonicalJson(right[k]));
}

/**
 * Decides, reading only, whether the import creates the campaign or adds to it. Refuses to change a
 * running campaign's dial parameters behind its back, and to feed a cancelled campaign.
 * Returns the settings to create the campaign with, or undefined when it exists.
 */
export async function planCampaign(
  store: CampaignStore,
  campaignId: string,
  plan: SettingsPlan,
): Promise<CampaignSettings | undefined> {
  const meta = await store.getCampaign(campaignId);
  if (!meta) {
    if (plan.deferredError) throw plan.deferredError;
    return plan.settings;
  }
  if (meta.state === 'cancelled') {
    throw new DialerError(
      'DIALER_ERR_CAMPAIGN_STATE',
      `Campaign "${campaignId}" is cancelled: contacts cannot be added to it; use a new campaign id`,
      { campaignId },
    );
  }
  if (plan.explicit && plan.settings) {
    const diff = differingKeys(meta.settings, plan.settings);
    if (diff.length > 0) {
      throw new DialerError(
        'DIALER_ERR_SETTINGS',
        `Campaign "${campaignId}" already exists with different settings (${diff.join(', ')} differ): ` +
          `omit --settings to add contacts to it as it is, or import into a new campaign id`,
        { campaignId, differing: diff },
      );
    }
  }
  return undefined;
}
