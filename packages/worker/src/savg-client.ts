/**
 * The dial-out HTTP client: got with no retries of its own (the worker decides: see docs/design.md (Dial-out answers)), an explicit
 * request time-out (after which the attempt is uncertain), a short connect time-out (a connect failure is
 * certainly "not sent"), and keep-alive sockets that are dropped before a server would close them.
 */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { got, type Got } from 'got';
import type { DialoutRequest, SavgAuthToken } from '@dialer/core';
import { classifyDialoutError, classifyDialoutResponse, type DialoutResult } from './dialout-result.js';

export interface SavgClientOptions {
  /** Gateway origin, e.g. `https://smartassist.kore.ai` (no trailing slash). */
  baseUrl: string;
  auth: SavgAuthToken;
  /** Whole-request time-out (SAVG_TIMEOUT_MS). */
  timeoutMs: number;
  /** DNS + TCP (+ TLS) time-out. @defaultValue min(3000, timeoutMs) */
  connectTimeoutMs?: number;
  /** Sockets per origin (the process's dial-out concurrency is enough). @defaultValue 64 */
  maxSockets?: number;
}

/** Idle keep-alive sockets are closed after this long: well before common server/LB idle limits (5–75 s),
 * so a request is rarely written to a socket the server is closing (which would make the attempt uncertain). */
const IDLE_SOCKET_MS = 4000;

/** SAVG_API_VERSION: which dial-out endpoint is used. */
export type SavgApiVersion = 'v1' | 'v2';

/** The dial-out path: V1 names the bot in the path only, V2 (`…/V2/smartassist/dialout`) in the body as well. */
export function dialoutPath(botId: string, apiVersion: SavgApiVersion = 'v1'): string {
  const version = apiVersion === 'v2' ? 'V2/' : '';
  return `/api/1.1/public/bot/${encodeURIComponent(botId)}/${version}smartassist/dialout`;
}

export class SavgClient {
  readonly #got: Got;
  readonly #http: HttpAgent;
  readonly #https: HttpsAgent;
  readonly #opts: SavgClientOptions;

  constructor(opts: SavgClientOptions) {
    this.#opts = opts;
    const agentOpts = {
      keepAlive: true,
      maxSockets: opts.maxSockets ?? 64,
      maxFreeSockets: opts.maxSockets ?? 64,
      timeout: IDLE_SOCKET_MS,
      scheduling: 'lifo' as const,
    };
    this.#http = new HttpAgent(agentOpts);
    this.#https = new HttpsAgent(agentOpts);
    const connect = opts.connectTimeoutMs ?? Math.min(3000, opts.timeoutMs);
    this.#got = got.extend({
      prefixUrl: opts.baseUrl,
      retry: { limit: 0 },
      timeout: { lookup: connect, connect, secureConnect: connect, request: opts.timeoutMs },
      agent: { http: this.#http, https: this.#https },
      throwHttpErrors: false,
      followRedirect: false,
      responseType: 'text',
      headers: { accept: 'application/json', 'user-agent': 'savg-bulk-dialer' },
    });
  }

  /**
   * Sends one dial-out and classifies the outcome; never throws for HTTP or transport failures. A `v2` body
   * must carry `botId` (buildDialoutRequest adds it).
   */
  async dialOut(botId: string, body: DialoutRequest, apiVersion: SavgApiVersion = 'v1'): Promise<DialoutResult> {
    const token = await this.#opts.auth.get();
    try {
      const path = dialoutPath(botId, apiVersion).slice(1);
      const res = await this.#got.post(path, { json: body, headers: { auth: token } });
      return classifyDialoutResponse(res.statusCode, res.headers, res.body);
    } catch (err) {
      return classifyDialoutError(err);
    }
  }

  close(): void {
    this.#http.destroy();
    this.#https.destroy();
  }
}
