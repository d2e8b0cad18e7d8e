// The public surface of @dialer/api. Named exports only: what is not listed here is internal.
export { buildApi, apiRoutes, type ApiDeps, type ApiRoute } from './build-api.js';
export { exposureWarnings } from './exposure.js';
export { V1_ROUTES } from './routes.js';
export type { ApiApp, ApiContext, RouteModule } from './api-context.js';
export { MAX_JSON_CONTACTS, MAX_CSV_BYTES } from './contacts-body.js';
export { IDEMPOTENCY_TTL_S } from './idempotency.js';
export { OPENAPI_PATH, DOCS_PATH } from './openapi.js';
