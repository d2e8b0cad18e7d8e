// A customer's results webhook on 127.0.0.1 for the tests: records every request (headers, raw body, whether its
// signature verifies with the secret) and answers as told: 200, 503, or not listening at all.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface ReceivedResult {
  delivery: string;
  timestamp: string;
  signatureValid: boolean;
  body: Record<string, unknown>;
  /** What the receiver answered. */
  status: number;
}

export interface ResultsReceiver {
  url: string;
  requests: ReceivedResult[];
  /** Delivery ids answered 2xx, with how many times each. */
  acknowledged(): Map<string, number>;
  answer(status: number): void;
  /** Stops listening (connections refused) until `listen()`. */
  stopListening(): Promise<void>;
  listen(): Promise<void>;
  close(): Promise<void>;
}

function verify(secret: string, timestamp: string, raw: string, signature: string): boolean {
  const expected = createHmac('sha256', secret).update(`${timestamp}.${raw}`).digest();
  const given = Buffer.from(signature, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startResultsReceiver(secret: string): Promise<ResultsReceiver> {
  const requests: ReceivedResult[] = [];
  let status = 200;
  const server: Server = createServer((req, res) => {
    void readBody(req).then((raw) => {
      const header = (name: string) => String(req.headers[name] ?? '');
      requests.push({
        delivery: header('x-dialer-delivery'),
        timestamp: header('x-dialer-timestamp'),
        signatureValid: verify(secret, header('x-dialer-timestamp'), raw, header('x-dialer-signature')),
        body: JSON.parse(raw) as Record<string, unknown>,
        status,
      });
      res.writeHead(status).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const stopListening = async () => {
    const closed = new Promise((resolve) => server.close(resolve));
    server.closeAllConnections();
    await closed;
  };
  return {
    url: `http://127.0.0.1:${port}/results`,
    requests,
    acknowledged() {
      const counts = new Map<string, number>();
      for (const r of requests) if (r.status < 300) counts.set(r.delivery, (counts.get(r.delivery) ?? 0) + 1);
      return counts;
    },
    answer(s) {
      status = s;
    },
    stopListening,
    async listen() {
      server.listen(port, '127.0.0.1');
      await once(server, 'listening');
    },
    async close() {
      if (!server.listening) return;
      await stopListening();
    },
  };
}
