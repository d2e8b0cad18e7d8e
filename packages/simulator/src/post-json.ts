/**
 * A minimal JSON POST over node:http(s). got costs several times more per request than the simulated
 * work; at thousands of notifications per second on loopback that overhead would be what we measure.
 */
import http from 'node:http';
import https from 'node:https';

export interface PostAgents {
  http: http.Agent;
  https: https.Agent;
}

/**
 * Resolves with the receiver's status code; rejects with a coded error (ECONNREFUSED, ETIMEDOUT, …).
 * `extraHeaders` (validated names and values) go out as they are, the framing headers stay ours.
 */
export function postJson(
  url: string,
  payload: unknown,
  agents: PostAgents,
  timeoutMs: number,
  extraHeaders?: Record<string, string>,
): Promise<number> {
  const body = JSON.stringify(payload);
  const target = new URL(url);
  const secure = target.protocol === 'https:';
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (error: Error | undefined, status?: number) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) reject(error);
      else resolve(status!);
    };
    const options: http.RequestOptions = {
      method: 'POST',
      agent: secure ? agents.https : agents.http,
      headers: {
        'user-agent': 'savg-simulator',
        ...extraHeaders,
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
      },
    };
    const request = (secure ? https : http).request(target, options, (response) => {
      response.on('end', () => settle(undefined, response.statusCode ?? 0));
      response.on('error', (error) => settle(error));
      response.on('close', () => settle(Object.assign(new Error('response aborted'), { code: 'ECONNRESET' })));
      response.resume();
    });
    const timer = setTimeout(() => {
      request.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' }));
    }, timeoutMs);
    request.on('error', (error) => settle(error));
    request.end(body);
  });
}
