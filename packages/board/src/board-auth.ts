import { timingSafeEqual, createHash } from 'node:crypto';
import { DialerError, type DialerConfig } from '@dialer/core';

/** Hosts that only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h) || h === '::ffff:127.0.0.1';
}

export interface BoardCredentials {
  user: string;
  password: string;
}

/**
 * Decides how the board authenticates: with BOARD_USER/BOARD_PASSWORD when both are set (also when
 * BOARD_OPEN=true), else open, which is allowed only when asked for and only on a loopback BOARD_HOST.
 * Returns the credentials, or undefined for an open board.
 */
export function boardAccess(config: DialerConfig): BoardCredentials | undefined {
  const { host, user, password, open } = config.board;
  if (open && !isLoopbackHost(host)) {
    throw new DialerError(
      'DIALER_ERR_BOARD_AUTH',
      `BOARD_OPEN=true is only allowed with BOARD_HOST on loopback (127.0.0.1 or ::1), not "${host}": set BOARD_USER and BOARD_PASSWORD instead`,
    );
  }
  if (user && password) return { user, password };
  if (open) return undefined;
  throw new DialerError(
    'DIALER_ERR_BOARD_AUTH',
    'BOARD_USER and BOARD_PASSWORD are required (or BOARD_OPEN=true to run without authentication on 127.0.0.1)',
  );
}

/** Constant-time comparison of what a client sent with what is configured (hashing evens out the lengths). */
export function credentialsMatch(expected: BoardCredentials, user: string, password: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  const userOk = timingSafeEqual(digest(user), digest(expected.user));
  const passwordOk = timingSafeEqual(digest(password), digest(expected.password));
  return userOk && passwordOk;
}
