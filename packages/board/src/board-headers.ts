/**
 * Security headers on every board response. The board can pause campaigns, so no other site may frame it
 * (clickjacking a Pause button); the Content-Security-Policy lets the page run only the board's own scripts.
 */
import type { FastifyInstance } from 'fastify';

/**
 * What Bull Board's UI (9.10) needs and nothing more: its scripts, styles, images, translations and API
 * calls come from the board itself; its page carries inline `style` attributes and a `<style>` element (and
 * the UI adds theme styles at run time), hence `'unsafe-inline'` for styles only; it loads the IBM Plex
 * fonts from Google Fonts (without them it falls back to the system's sans-serif). Its UI config is an
 * inline JSON block, which script-src does not govern. No eval, no inline script.
 */
export const BOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline' https://fonts.googleapis.com",
  "font-src 'self' https://fonts.gstatic.com",
  "img-src 'self' data:",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': BOARD_CSP,
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/** On every response of `app`, errors and 401s included (onSend runs for each of them). */
export function addSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.headers(SECURITY_HEADERS);
    return payload;
  });
}
