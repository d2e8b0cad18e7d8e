import type { RouteModule } from './api-context.js';
import { campaignCreateRoute } from './routes/campaign-create.js';
import { campaignReadRoutes } from './routes/campaign-read.js';
import { campaignControlRoutes } from './routes/campaign-control.js';
import { campaignContactsRoute } from './routes/campaign-contacts.js';
import { campaignResultsRoute } from './routes/campaign-results.js';
import { suppressionRoutes } from './routes/suppressions.js';
import { campaignSettingsRoute } from './routes/campaign-settings.js';
import { campaignDeleteRoute } from './routes/campaign-delete.js';
import { globalLimitsRoutes } from './routes/global-limits.js';
import { resultsRedeliverRoute } from './routes/results-redeliver.js';

/**
 * Every /v1 route module. To add a route: one file under routes/ exporting a RouteModule (its zod schemas give
 * validation and the OpenAPI document; errors are thrown as DialerError and answered by api-errors.ts), and one
 * line here. Each is registered under /v1 behind the API key check.
 */
export const V1_ROUTES: readonly RouteModule[] = [
  campaignCreateRoute,
  campaignReadRoutes,
  campaignControlRoutes,
  campaignContactsRoute,
  campaignResultsRoute,
  suppressionRoutes,
  campaignSettingsRoute,
  campaignDeleteRoute,
  globalLimitsRoutes,
  resultsRedeliverRoute,
];
