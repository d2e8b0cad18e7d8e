import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DialerError, type ApiKeyInfo, type ApiKeyStore } from '@dialer/core';
import { sendError } from './api-errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The API key the request came with (set by requireApiKey on every /v1 route). */
    apiKey?: ApiKeyInfo;
  }
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** Every route of `scope` answers 401 DIALER_ERR_API_AUTH unless `Authorization: Bearer <key>` names a live key. */
export function requireApiKey(scope: FastifyInstance, apiKeys: ApiKeyStore): void {
  scope.addHook('onRequest', async (request: FastifyRequest, reply) => {
    const header = request.headers.authorization;
    const key = header === undefined ? undefined : BEARER.exec(header)?.[1];
    const found = key === undefined ? undefined : await apiKeys.verify(key);
    if (!found) {
      const message =
        header === undefined
          ? 'This route needs an API key: send `Authorization: Bearer <key>` (create one with `dialer apikey create`)'
          : 'The API key is unknown or revoked';
      reply.header('www-authenticate', 'Bearer realm="dialer"');
      return sendError(reply, new DialerError('DIALER_ERR_API_AUTH', message));
    }
    request.apiKey = found;
  });
}
