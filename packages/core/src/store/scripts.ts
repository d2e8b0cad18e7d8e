/**
 * The one loader of the store's Lua scripts. Each script is a `.lua` file in `lua/` with an Input/Output header;
 * `--- @include "includes/<name>"` lines are replaced by that file at load (each part at most once per script).
 * Constants travel as ARGV, never spliced into the text, so a script's text (and its SHA) is the file's.
 * Every command is declared for ioredis below, so callers are type-checked and need no casts.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { Result } from 'ioredis';
import type { RedisClient } from '../redis.js';

type Arg = string | number;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    dialerBegin(...args: Arg[]): Result<[string, string], Context>;
    dialerDialed(...args: Arg[]): Result<[string, string], Context>;
    dialerSettle(...args: Arg[]): Result<[string, string], Context>;
    dialerInterim(...args: Arg[]): Result<[string, string], Context>;
    dialerEnd(...args: Arg[]): Result<[string, string, string?], Context>;
    dialerAddContacts(...args: Arg[]): Result<[number[], string], Context>;
    dialerAddJobs(...args: Arg[]): Result<number, Context>;
    dialerCreateCampaign(...args: Arg[]): Result<number, Context>;
    dialerSetState(...args: Arg[]): Result<[string, string, string], Context>;
    dialerFindStranded(...args: Arg[]): Result<(string | number)[], Context>;
    dialerDropDueDeadline(...args: Arg[]): Result<number, Context>;
    dialerAdmit(...args: Arg[]): Result<[number, string], Context>;
    dialerAdmitClaim(...args: Arg[]): Result<[number, string, string?, string?], Context>;
    dialerReleaseLive(...args: Arg[]): Result<number, Context>;
    dialerHold(...args: Arg[]): Result<[string, string], Context>;
    dialerCapReserve(...args: Arg[]): Result<[number, string?], Context>;
    dialerCapRelease(...args: Arg[]): Result<number, Context>;
    dialerUpdateSettings(...args: Arg[]): Result<[string, string], Context>;
    dialerMarkDeleting(...args: Arg[]): Result<[string, string, string, string], Context>;
    dialerMoveLiveTrunk(...args: Arg[]): Result<number, Context>;
  }
}

/** Command name → file, and the number of keys when it is fixed (else the caller passes it first). */
const SCRIPTS = {
  dialerBegin: { file: 'begin', keys: 6 },
  dialerDialed: { file: 'dialed', keys: 4 },
  dialerSettle: { file: 'settle-dial', keys: 3 },
  dialerInterim: { file: 'interim', keys: 1 },
  dialerEnd: { file: 'end', keys: 6 },
  dialerAddContacts: { file: 'add-contacts', keys: 4 },
  dialerAddJobs: { file: 'add-jobs', keys: 6 },
  dialerCreateCampaign: { file: 'create-campaign', keys: 2 },
  dialerSetState: { file: 'set-state', keys: 2 },
  dialerFindStranded: { file: 'find-stranded', keys: 4 },
  dialerDropDueDeadline: { file: 'drop-due-deadline', keys: 1 },
  dialerAdmit: { file: 'admit' },
  dialerAdmitClaim: { file: 'admit-claim' },
  dialerReleaseLive: { file: 'release-live' },
  dialerHold: { file: 'hold', keys: 2 },
  dialerCapReserve: { file: 'cap-reserve', keys: 1 },
  dialerCapRelease: { file: 'cap-release', keys: 1 },
  dialerUpdateSettings: { file: 'update-settings', keys: 1 },
  dialerMarkDeleting: { file: 'mark-deleting', keys: 3 },
  dialerMoveLiveTrunk: { file: 'move-live-trunk', keys: 3 },
} as const satisfies Record<string, { file: string; keys?: number }>;

export type ScriptName = keyof typeof SCRIPTS;

// The same relative path from src/store (tests run the sources) and from dist/store (the build): the scripts
// are read from the sources, which ship with the package.
const LUA_DIR = new URL('../../src/store/lua/', import.meta.url);
const INCLUDE = /^--- @include "([^"]+)"[ \t]*$/gm;
/**
 * `--- @include "bullmq:<name>"` takes one of the installed BullMQ's own script functions (its
 * commands/includes/<name>.lua, whose own includes name files beside it), so a script of ours that writes
 * BullMQ jobs does it with BullMQ's code for the version installed.
 */
const BULLMQ = 'bullmq:';
let bullmqIncludes: URL | undefined;

function bullmqIncludeDir(): URL {
  bullmqIncludes ??= new URL('./commands/includes/', pathToFileURL(createRequire(import.meta.url).resolve('bullmq')));
  return bullmqIncludes;
}

const texts = new Map<string, string>();

/** A script's text with its includes resolved (read once per process). */
export function scriptText(file: string): string {
  let text = texts.get(file);
  if (text === undefined) {
    text = resolve(new URL(`${file}.lua`, LUA_DIR), LUA_DIR, new Set());
    texts.set(file, text);
  }
  return text;
}

function resolve(file: URL, dir: URL, included: Set<string>): string {
  return readFileSync(file, 'utf8').replace(INCLUDE, (_line, name: string) => {
    const fromBullmq = name.startsWith(BULLMQ) || dir === bullmqIncludes;
    const base = fromBullmq ? bullmqIncludeDir() : dir;
    const path = new URL(`${fromBullmq ? name.replace(BULLMQ, '') : name}.lua`, base);
    if (included.has(path.href)) return '';
    included.add(path.href);
    return resolve(path, base, included);
  });
}

const defined = new WeakSet<RedisClient>();

/** Defines every store command on a connection (once per connection; ioredis loads them with EVALSHA). */
export function defineStoreCommands(redis: RedisClient): RedisClient {
  if (defined.has(redis)) return redis;
  for (const [name, def] of Object.entries(SCRIPTS) as [ScriptName, { file: string; keys?: number }][]) {
    redis.defineCommand(
      name,
      def.keys === undefined ? { lua: scriptText(def.file) } : { numberOfKeys: def.keys, lua: scriptText(def.file) },
    );
  }
  defined.add(redis);
  return redis;
}
