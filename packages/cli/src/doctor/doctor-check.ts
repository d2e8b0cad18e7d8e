// The shape of one `dialer doctor` check and how the report is printed.

export type CheckStatus = 'PASS' | 'WARN' | 'FAIL' | 'SKIP';

/** One line of the report (and one element of `--json`'s `checks`). Keys may be added, never renamed. */
export interface CheckResult {
  name: string;
  status: CheckStatus;
  message: string;
  /** What to do about a FAIL or a WARN. */
  fix?: string;
}

export const pass = (name: string, message: string): CheckResult => ({ name, status: 'PASS', message });
export const warn = (name: string, message: string, fix: string): CheckResult => ({
  name,
  status: 'WARN',
  message,
  fix,
});
export const fail = (name: string, message: string, fix: string): CheckResult => ({
  name,
  status: 'FAIL',
  message,
  fix,
});
export const skip = (name: string, message: string): CheckResult => ({ name, status: 'SKIP', message });

/** The error's own words, or its cause's when they say more (fetch's `fetch failed` hides ECONNREFUSED there). */
export function errorText(err: unknown): string {
  const e = err as { message?: string; code?: string; cause?: { code?: string; message?: string } } | undefined;
  const message = e?.message ?? String(err);
  const cause = e?.cause?.message ?? e?.cause?.code;
  if (cause && (message === 'fetch failed' || message.includes(cause)))
    return message === 'fetch failed' ? cause : message;
  if (cause) return `${message} (${cause})`;
  return e?.code && !message.includes(e.code) ? `${message} (${e.code})` : message;
}

export function reportText(checks: CheckResult[]): string {
  const width = Math.max(...checks.map((c) => c.name.length));
  const lines: string[] = [];
  for (const c of checks) {
    lines.push(`${c.status}  ${c.name.padEnd(width)}  ${c.message}`);
    if (c.fix) lines.push(`${' '.repeat(width + 8)}→ ${c.fix}`);
  }
  const failed = checks.filter((c) => c.status === 'FAIL').length;
  const warned = checks.filter((c) => c.status === 'WARN').length;
  lines.push(
    failed > 0
      ? `${failed} check(s) failed${warned ? `, ${warned} warning(s)` : ''}: fix them before dialing.`
      : `No check failed${warned ? ` (${warned} warning(s))` : ''}. Next: dialer call <your own number>.`,
  );
  return `${lines.join('\n')}\n`;
}
