import { readFile } from 'node:fs/promises';
import { DialerError, regionRulesSchema, type RegionRule } from '@dialer/core';

function settingsError(message: string, file: string, cause: unknown): DialerError {
  return new DialerError('DIALER_ERR_SETTINGS', message, { file }, { cause });
}

/** Line and column (1-based) of a character offset. */
function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

/**
 * Where V8's JSON.parse failed. Most messages say "at position N"; "Unexpected token" messages instead
 * quote up to 10 characters either side of the offending one, which is enough to find it again.
 */
function errorOffset(text: string, message: string): number | undefined {
  const position = /position (\d+)/.exec(message);
  if (position) return Number(position[1]);
  const m = /^Unexpected token '(.+?)', (\.\.\.)?"([\s\S]*?)"(\.\.\.)? is not valid JSON$/.exec(message);
  if (!m) return undefined;
  const [, token = '', before, snippet = '', after] = m;
  const start = text.indexOf(snippet);
  if (start === -1) return undefined;
  if (before) return start + 10;
  if (after) return start + snippet.length - 10;
  const at = snippet.indexOf(token);
  return at === -1 ? undefined : start + at;
}

/** Reads and parses `--settings file.json`; a syntax error names the file, line and column. */
export async function readSettingsFile(path: string): Promise<unknown> {
  return readJsonFile(path, 'Settings file');
}

/**
 * Reads `--rules file.json`: ISO 3166-2 region code → rule, the shape of the settings' `regionRules`, plus an
 * optional top-level `$comment` (a string or an array of strings) for the file's own notes. Each bad code or
 * value is named with the file.
 */
export async function readRulesFile(path: string): Promise<Record<string, RegionRule>> {
  const input = await readJsonFile(path, 'Rules file');
  let rules = input;
  if (input !== null && typeof input === 'object' && !Array.isArray(input) && '$comment' in input) {
    const { $comment, ...rest } = input as Record<string, unknown>;
    const isText =
      typeof $comment === 'string' || (Array.isArray($comment) && $comment.every((c) => typeof c === 'string'));
    if (!isText) throw rulesError(path, ['$comment: must be a string or an array of strings']);
    rules = rest;
  }
  const parsed = regionRulesSchema.safeParse(rules);
  if (!parsed.success)
    throw rulesError(
      path,
      parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
    );
  return parsed.data;
}

function rulesError(path: string, problems: string[]): DialerError {
  return new DialerError('DIALER_ERR_SETTINGS', `Invalid rules file ${path}: ${problems.join('; ')}`, {
    file: path,
    problems,
  });
}

/** Reads and parses a JSON file given on the command line; every failure names the file (and line and column). */
async function readJsonFile(path: string, what: 'Settings file' | 'Rules file'): Promise<unknown> {
  const lower = what.toLowerCase();
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw settingsError(
      code === 'ENOENT' ? `${what} not found: ${path}` : `Cannot read ${lower} ${path}: ${(err as Error).message}`,
      path,
      err,
    );
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  try {
    return JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message;
    const offset = errorOffset(text, message);
    const where = offset === undefined ? undefined : lineColumn(text, offset);
    throw settingsError(
      `${what} ${path} is not valid JSON${where ? ` at line ${where.line}, column ${where.column}` : ''}: ${message.replace(/\s+/g, ' ')}`,
      path,
      err,
    );
  }
}
