/**
 * Settings that are each valid but together break a guarantee: refused at start-up (problems), or logged
 * once by every long-running process (warnings) when they are merely risky.
 */
/** Under this, a call still in progress is likely to be declared lost (a real call may well last longer). */
export const SHORT_LOST_AFTER_MS = 600_000;

export interface CombinationInputs {
  notifyTokenTtlMs: number;
  lostAfterMs: number;
  savgTimeoutMs: number;
  savgBaseUrl?: string;
  notifyBaseUrl?: string;
  allowInsecureHttp: boolean;
}

/** Durations in seconds: messages go through the phone scrubber, which masks runs of 7+ digits. */
const seconds = (ms: number) => `${Number((ms / 1000).toFixed(3))} s`;

/** 127.0.0.0/8, ::1 and localhost: traffic that never leaves the host. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** The URL when it is plain http to a host other than loopback (undefined otherwise). */
function insecure(url: string | undefined): URL | undefined {
  if (!url) return undefined;
  const parsed = new URL(url);
  return parsed.protocol === 'http:' && !isLoopbackHost(parsed.hostname) ? parsed : undefined;
}

/** What loadConfig refuses (DIALER_ERR_CONFIG), each problem naming the variables involved. */
export function combinationProblems(c: CombinationInputs): string[] {
  const problems: string[] = [];
  // A notification may come up to SAVG_TIMEOUT_MS (the dial-out answer) + LOST_AFTER_MS after its token was
  // signed and still be awaited: its token must still be valid then, or the ingester refuses it (401).
  const needed = c.lostAfterMs + c.savgTimeoutMs;
  if (c.notifyTokenTtlMs < needed) {
    problems.push(
      `NOTIFY_TOKEN_TTL_MS (${seconds(c.notifyTokenTtlMs)}) must be at least LOST_AFTER_MS + SAVG_TIMEOUT_MS ` +
        `(${seconds(c.lostAfterMs)} + ${seconds(c.savgTimeoutMs)}): a notification that comes before its attempt is ` +
        'declared lost would carry an expired token and be refused',
    );
  }
  if (!c.allowInsecureHttp) {
    for (const [name, url] of [
      ['SAVG_BASE_URL', c.savgBaseUrl],
      ['NOTIFY_BASE_URL', c.notifyBaseUrl],
    ] as const) {
      const bad = insecure(url);
      if (bad) {
        problems.push(
          `${name} uses plain http to ${bad.hostname}, which is not loopback: use https (credentials and notify ` +
            'tokens would travel unencrypted), or set ALLOW_INSECURE_HTTP=1 for a private test network',
        );
      }
    }
  }
  return problems;
}

/** The parts of a DialerConfig the warnings read (config.ts imports this module, not the other way). */
export interface WarningInputs {
  lostAfterMs: number;
  savg: { baseUrl?: string };
  notify: { baseUrl?: string };
}

/**
 * Risky but allowed settings, one sentence each naming the variable. Each long-running process (worker,
 * ingester) logs them once at start.
 */
export function configWarnings(config: WarningInputs): string[] {
  const warnings: string[] = [];
  if (config.lostAfterMs < SHORT_LOST_AFTER_MS) {
    warnings.push(
      `LOST_AFTER_MS is ${seconds(config.lostAfterMs)}, under 10 minutes: a call that lasts longer is declared ` +
        'lost while still in progress (and may be re-dialed)',
    );
  }
  // loadConfig refused these unless ALLOW_INSECURE_HTTP was set: say so at every start.
  for (const [name, url] of [
    ['SAVG_BASE_URL', config.savg.baseUrl],
    ['NOTIFY_BASE_URL', config.notify.baseUrl],
  ] as const) {
    const bad = insecure(url);
    if (bad)
      warnings.push(
        `${name} uses plain http to ${bad.hostname} (ALLOW_INSECURE_HTTP is set): traffic to it is unencrypted`,
      );
  }
  return warnings;
}
