import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { DialerError, isDialerError, type ErrorCode, type Logger } from '@dialer/core';

/** HTTP status of each deliberate error; a code not listed here is the server's fault (500). */
const STATUS: Partial<Record<ErrorCode, number>> = {
  DIALER_ERR_API_AUTH: 401,
  DIALER_ERR_API_INPUT: 400,
  DIALER_ERR_SETTINGS: 400,
  DIALER_ERR_LIMITS: 400,
  DIALER_ERR_CSV: 400,
  DIALER_ERR_PHONE: 400,
  DIALER_ERR_CAMPAIGN_NOT_FOUND: 404,
  DIALER_ERR_CAMPAIGN_STATE: 409,
  DIALER_ERR_API_IDEMPOTENCY: 409,
  DIALER_ERR_REDIS: 503,
};

/** An error answer: `{code, message}` with the status the code calls for (or `status` when given). */
export function sendError(reply: FastifyReply, err: DialerError, status?: number): FastifyReply {
  return reply.code(status ?? STATUS[err.code] ?? 500).send({ code: err.code, message: err.message });
}

/** `body.contacts.3.phone: Invalid input` for each zod issue: the message names the field. */
function validationMessage(err: FastifyError, route: string): { code: ErrorCode; message: string } {
  const part = err.validationContext ?? 'body';
  const problems = (err.validation ?? []).map((v) => {
    const path = v.instancePath.replace(/^\//, '').replaceAll('/', '.');
    return `${path ? `${part}.${path}` : part}: ${v.message ?? 'invalid'}`;
  });
  // Bad settings keep the code `dialer produce` gives them.
  const settings =
    route.endsWith('/settings') || (err.validation ?? []).every((v) => v.instancePath.startsWith('/settings'));
  return {
    code: part === 'body' && settings ? 'DIALER_ERR_SETTINGS' : 'DIALER_ERR_API_INPUT',
    message: `Invalid request: ${problems.join('; ')}`,
  };
}

/** Fastify's own client errors (bad JSON, body too large, unsupported content type) as API_INPUT. */
function clientError(err: FastifyError): DialerError | undefined {
  const status = err.statusCode ?? 500;
  if (status < 400 || status >= 500) return undefined;
  const message =
    status === 415 ? `${err.message}: send application/json (or text/csv where a route says so)` : err.message;
  return new DialerError('DIALER_ERR_API_INPUT', message);
}

/** Every error becomes `{code, message}`; unexpected ones are logged (scrubbed) and answered 500 without detail. */
export function installErrorHandler(app: FastifyInstance, logger: Logger): void {
  app.setErrorHandler((err: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (hasZodFastifySchemaValidationErrors(err)) {
      const { code, message } = validationMessage(err, request.routeOptions.url ?? '');
      return reply.code(400).send({ code, message });
    }
    if (isDialerError(err)) return sendError(reply, err);
    const client = clientError(err);
    if (client) return sendError(reply, client, err.statusCode);
    logger.error({ err, route: request.routeOptions.url, method: request.method }, 'request failed');
    return sendError(reply, new DialerError('DIALER_ERR_API_INTERNAL', 'Internal error: the API logged it'), 500);
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ code: 'DIALER_ERR_API_INPUT', message: `No route ${request.method} ${request.url}` }),
  );
}
