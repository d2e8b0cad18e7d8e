import { DialerError } from '@dialer/core';

/** Delimiters we recognise when sniffing, in order of preference on a tie. */
const CANDIDATES = [',', ';', '\t', '|'] as const;

const NAMED: Record<string, string> = { tab: '\t', '\\t': '\t', comma: ',', semicolon: ';', pipe: '|' };

/** Parses `--delimiter`: one character (a literal tab too), or `tab`, `\t`, `comma`, `semicolon`, `pipe`. */
export function parseDelimiterOption(value: string): string {
  const named = NAMED[value.toLowerCase()];
  if (named) return named;
  if (value.length !== 1 || value === '"' || value === '\n' || value === '\r') {
    throw new DialerError(
      'DIALER_ERR_CSV',
      `--delimiter must be one character such as , ; | or "tab" (got ${JSON.stringify(value)})`,
    );
  }
  return value;
}

/**
 * Picks the delimiter from the header line: the candidate that occurs most often outside quotes. Headers
 * are short and never contain the delimiter unquoted, so the header alone is a reliable witness; a header
 * with a single column (no candidate at all) parses the same with any delimiter, so `,` is as good as any.
 */
export function sniffDelimiter(headerLine: string): string {
  const counts = new Map<string, number>(CANDIDATES.map((c) => [c, 0]));
  let quoted = false;
  for (const ch of headerLine) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && counts.has(ch)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  }
  let best: string = ',';
  let bestCount = 0;
  for (const c of CANDIDATES) {
    const n = counts.get(c) ?? 0;
    if (n > bestCount) {
      best = c;
      bestCount = n;
    }
  }
  return best;
}
