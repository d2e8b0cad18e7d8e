/**
 * `dialer campaign set <id> key=value…` arguments → a settings change (settings-patch.ts in core). A value is JSON
 * when it parses as JSON (`20`, `null`, `["mon","tue"]`, `{"start":"09:00"}`), else the text itself (`08:00`,
 * `+15550001111`). A dotted key (`window.start=08:00`, `redial.rules.busy.delayMs=60000`) changes one part of a
 * setting: the rest of that setting is the campaign's current value, so only the part named changes. `null` removes
 * a key (a whole setting, or the part a dotted key names).
 */

export class SetArgumentError extends Error {}

type Json = Record<string, unknown>;

/** Parses one value: JSON when it is, else the text. */
export function parseSetValue(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * @param current - the campaign's settings as a settings file would say them (core's `settingsAsInput`)
 */
export function settingsPatchFromArgs(args: string[], current: Json): Json {
  if (args.length === 0) throw new SetArgumentError('nothing to change: give key=value pairs (e.g. ratePerSecond=20)');
  const patch: Json = {};
  for (const arg of args) {
    const eq = arg.indexOf('=');
    if (eq <= 0) throw new SetArgumentError(`${arg || '(empty)'}: expected key=value (e.g. ratePerSecond=20)`);
    const path = arg.slice(0, eq).split('.');
    if (path.some((part) => part === '' || part === '__proto__' || part === 'constructor' || part === 'prototype'))
      throw new SetArgumentError(`${arg.slice(0, eq)}: not a settings key`);
    const value = parseSetValue(arg.slice(eq + 1));
    const [top, ...rest] = path as [string, ...string[]];
    if (rest.length === 0) {
      patch[top] = value;
      continue;
    }
    // A dotted key starts from what was already changed, else the campaign's current value of the setting.
    const base = isObject(patch[top]) ? patch[top] : isObject(current[top]) ? structuredClone(current[top]) : {};
    patch[top] = setPath(base, rest, value, top);
  }
  return patch;
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function setPath(target: Json, path: string[], value: unknown, shown: string): Json {
  const [head, ...rest] = path as [string, ...string[]];
  const name = `${shown}.${head}`;
  if (rest.length === 0) {
    if (value === null) delete target[head];
    else target[head] = value;
    return target;
  }
  const child = target[head];
  if (child !== undefined && !isObject(child)) throw new SetArgumentError(`${name}: is not an object`);
  target[head] = setPath(child ?? {}, rest, value, name);
  return target;
}
