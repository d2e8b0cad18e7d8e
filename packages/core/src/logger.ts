import { pino, type Logger, type DestinationStream } from 'pino';
import { maskPhone, scrubText } from './mask.js';

export type { Logger } from 'pino';

const SECRET_KEYS = [
  'auth',
  'authorization',
  'secret',
  'clientSecret',
  'tokenSecret',
  'contactIdKey',
  'password',
  'token',
  'jwt',
  'notifyurl',
  // A dial-out's notifyHeaders carry the attempt's notify token (x-dialer-token).
  'notifyHeaders',
  'notifyUrl',
  'cookie',
];
const PHONE_KEYS = ['phone', 'target', 'number', 'caller', 'msisdn'];

// pino's redact paths match exact nesting levels; cover the shapes our logs use (top level, one and two levels deep).
function paths(keys: string[]): string[] {
  return keys.flatMap((k) => [k, `*.${k}`, `*.*.${k}`, `req.headers.${k.toLowerCase()}`]);
}

const phoneKeys = new Set(PHONE_KEYS);

export interface LoggerOptions {
  level?: string;
  name?: string;
  /** Where to write; tests pass a capture stream. @defaultValue stdout */
  destination?: DestinationStream;
}

/**
 * pino JSON logger with secrets censored and phone numbers masked to their last 4 digits,
 * both in structured fields (redact) and in free-text messages (scrub).
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      name: options.name,
      base: { pid: process.pid },
      redact: {
        paths: [...paths(SECRET_KEYS), ...paths(PHONE_KEYS)],
        censor: (value: unknown, path: string[]) =>
          phoneKeys.has(path[path.length - 1] ?? '') ? maskPhone(value) : '[REDACTED]',
      },
      hooks: {
        logMethod(args, method) {
          const scrubbed = args.map((a) => (typeof a === 'string' ? scrubText(a) : a));
          method.apply(this, scrubbed as Parameters<typeof method>);
        },
      },
      serializers: {
        err: (err: unknown) => {
          const s = pino.stdSerializers.err(err as Error);
          return { ...s, message: scrubText(s.message ?? ''), stack: s.stack ? scrubText(s.stack) : s.stack };
        },
      },
    },
    options.destination,
  );
}
