import type { FastifyInstance } from 'fastify';
import fastifySwagger from '@fastify/swagger';
import { createJsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import type { OpenAPIV3 } from 'openapi-types';

export const OPENAPI_PATH = '/openapi.json';
export const DOCS_PATH = '/docs';

/**
 * The OpenAPI 3 document, generated from the routes' zod schemas (the same schemas that validate requests), at
 * /openapi.json, and Swagger UI at /docs. Both are open: they describe the routes and hold no data of the
 * deployment (no campaign, number or key); every /v1 route still needs a key.
 */
export async function registerOpenApi(app: FastifyInstance, version: string, docsUi: boolean): Promise<void> {
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Dialer API',
        description:
          'Campaigns, contacts, results and do-not-call lists of the SAVG bulk dialer. Every /v1 route needs ' +
          '`Authorization: Bearer <key>` (`dialer apikey create --name <name>`). Errors: `{code, message}` ' +
          'with a DIALER_ERR_* code (docs/errors.md).',
        version,
      },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } } },
      security: [{ apiKey: [] }],
    },
    transform: createJsonSchemaTransform({ skipList: [] }),
    transformObject: (documentObject) => withCsvBody(jsonSchemaTransformObject(documentObject) as OpenAPIV3.Document),
  });
  if (docsUi) {
    // Loaded only when served: its static-file stack require()s an ES module, which Node 20 does and Jest does not.
    const { default: fastifySwaggerUi } = await import('@fastify/swagger-ui');
    await app.register(fastifySwaggerUi, { routePrefix: DOCS_PATH });
  }
  app.get(OPENAPI_PATH, { schema: { hide: true } }, async () => app.swagger());
}

/** POST …/contacts also takes a text/csv body (zod describes the JSON one only). */
function withCsvBody(doc: OpenAPIV3.Document): OpenAPIV3.Document {
  const op = doc.paths['/v1/campaigns/{id}/contacts']?.post;
  const body = op?.requestBody as OpenAPIV3.RequestBodyObject | undefined;
  if (body) {
    body.content['text/csv'] = {
      schema: {
        type: 'string',
        description:
          'A CSV with a header row, as `dialer produce` reads it (phone column, optional name and timezone, ' +
          'other columns become metadata); options (defaultCountry, phoneColumn, delimiter) in the query.',
      },
    };
  }
  return doc;
}
