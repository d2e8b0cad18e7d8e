import { Writable } from 'node:stream';
import { createLogger, type Logger } from '@dialer/core';

export interface CapturedLog {
  logger: Logger;
  /** Every line logged so far (one JSON object each, as text), appended as they are written. */
  lines: string[];
  /** The same lines, parsed. */
  entries(): Record<string, unknown>[];
}

/** A real logger (the product's, with its redaction) whose lines are kept, to check what was logged. */
export function captureLogger(level = 'debug'): CapturedLog {
  const lines: string[] = [];
  let partial = '';
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      const parts = (partial + chunk.toString('utf8')).split('\n');
      partial = parts.pop() ?? '';
      lines.push(...parts.filter(Boolean));
      done();
    },
  });
  return {
    logger: createLogger({ level, destination }),
    lines,
    entries: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}
