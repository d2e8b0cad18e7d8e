// The campaign settings file's three descriptions cannot fall behind the zod schema the producer validates
// with: `dialer settings schema` (JSON Schema), docs/examples/campaign.json and docs/design.md's settings reference.
import { describe, it, expect } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { campaignSettingsInputSchema, loadConfig, resolveCampaignSettings } from '@dialer/core';
import { runCli } from '@dialer/test-utils';

const root = new URL('../../../', import.meta.url);
const example = JSON.parse(readFileSync(new URL('docs/examples/campaign.json', root), 'utf8')) as Record<
  string,
  unknown
>;
const design = readFileSync(new URL('docs/design.md', root), 'utf8');
const topLevelKeys = Object.keys(campaignSettingsInputSchema.shape);

interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
  propertyNames?: { enum?: string[]; pattern?: string };
  items?: JsonSchema;
}

/** The docs/design.md section under `## <title>`, up to the next `## ` heading. */
function section(title: string): string {
  const start = design.indexOf(`\n## ${title}\n`);
  expect(start).toBeGreaterThanOrEqual(0);
  const end = design.indexOf('\n## ', start + 1);
  return design.slice(start, end === -1 ? undefined : end);
}

/**
 * Every key path the schema names below the top level: `timers.toneTimeoutMs`, `redial.rules.<outcome>.delayMs`,
 * `regionRules.<region>.start` (records keyed by a pattern are region codes), …
 */
function nestedPaths(schema: JsonSchema, prefix = ''): string[] {
  const paths: string[] = [];
  for (const [key, sub] of Object.entries(schema.properties ?? {})) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (prefix) paths.push(path);
    paths.push(...nestedPaths(sub, path));
    const each = typeof sub.additionalProperties === 'object' ? sub.additionalProperties : undefined;
    const placeholder = sub.propertyNames?.pattern !== undefined ? '<region>' : '<outcome>';
    if (each?.properties) paths.push(...nestedPaths(each, `${path}.${placeholder}`));
  }
  return paths;
}

/** Keys of `value` the schema does not allow (objects with a closed set of properties, recursively). */
function unknownKeys(value: unknown, schema: JsonSchema, path = ''): string[] {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return [];
  const out: string[] = [];
  for (const [key, v] of Object.entries(value)) {
    const here = path ? `${path}.${key}` : key;
    const named = schema.properties?.[key];
    const each = typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined;
    if (named) out.push(...unknownKeys(v, named, here));
    else if (schema.propertyNames?.enum && !schema.propertyNames.enum.includes(key)) out.push(here);
    else if (each) out.push(...unknownKeys(v, each, here));
    else if (schema.additionalProperties === false) out.push(here);
  }
  return out;
}

async function printedSchema(): Promise<JsonSchema> {
  const res = await runCli(['settings', 'schema'], {});
  expect(res.stderr).toBe('');
  expect(res.code).toBe(0);
  return JSON.parse(res.stdout) as JsonSchema;
}

describe('campaign settings file', () => {
  it('docs/examples/campaign.json is accepted by the schema the producer uses and uses every top-level key', () => {
    expect(campaignSettingsInputSchema.safeParse(example).error?.issues).toBeUndefined();
    const resolved = resolveCampaignSettings(example, loadConfig({}, 'cli'));
    expect(resolved.window.timezone).toBe('America/New_York');
    expect(Object.keys(example).sort()).toEqual([...topLevelKeys].sort());
  });

  it('`dialer settings schema` prints a JSON Schema describing every key, which the example satisfies', async () => {
    const schema = await printedSchema();
    expect(schema.type).toBe('object');
    expect(schema.additionalProperties).toBe(false);
    expect(Object.keys(schema.properties ?? {}).sort()).toEqual([...topLevelKeys].sort());
    expect(nestedPaths(schema)).toEqual(
      expect.arrayContaining([
        'timers.noSpeechTimeoutMs',
        'redial.rules',
        'redial.rules.<outcome>.delayMs',
        'window.days',
        'regionRules.<region>.start',
        'regionRules.<region>.days',
      ]),
    );
    expect(schema.properties?.redial?.properties?.rules?.propertyNames?.enum).toContain('busy');
    expect(unknownKeys(example, schema)).toEqual([]);
    // The walker does see keys the schema refuses (so the line above means something).
    const wrong = {
      ...example,
      nope: 1,
      window: { ...(example.window as object), until: '20:00' },
      redial: { rules: { bogus: {}, busy: { delay: 1 } } },
    };
    expect(unknownKeys(wrong, schema).sort()).toEqual([
      'nope',
      'redial.rules.bogus',
      'redial.rules.busy.delay',
      'window.until',
    ]);
  });

  it('docs/design.md documents every key of the schema and shows the example file', async () => {
    const reference = section('Settings reference');
    const missing = [...topLevelKeys, ...nestedPaths(await printedSchema())].filter(
      (key) => !reference.includes(`\`${key}\``),
    );
    expect(missing).toEqual([]);
    const block = /Example \(every key[\s\S]*?```json\n([\s\S]*?)```/.exec(reference)?.[1];
    expect(block).toBeDefined();
    expect(JSON.parse(block as string)).toEqual(example);
  });
});
