import type { Command } from 'commander';

/**
 * `dialer api`: the HTTP API on API_HOST:API_PORT (campaigns, contacts, results, do-not-call lists), every /v1
 * route behind an API key (`dialer apikey`); OpenAPI at /openapi.json, Swagger UI at /docs, /healthz.
 */
export function registerApiCommand(program: Command): void {
  program
    .command('api')
    .description(
      'Run the HTTP API (API_HOST:API_PORT): campaigns, contacts, results, do-not-call lists; keys from `dialer apikey`; OpenAPI at /openapi.json, docs at /docs',
    )
    .action(async () => {
      const { createLogger, loadConfig } = await import('@dialer/core');
      const { runUntilSignal } = await import('../run-process.js');
      const { productVersion } = await import('../version.js');
      const config = loadConfig(process.env, 'api');
      const logger = createLogger({ level: config.logLevel, name: 'api' });
      const { buildApi, exposureWarnings } = await import('@dialer/api');
      for (const warning of exposureWarnings(config.api.host)) logger.warn(warning);
      const app = await buildApi({ config, logger, version: productVersion() });
      const address = await app.listen({ host: config.api.host, port: config.api.port });
      logger.info({ address, docs: `${address}/docs` }, 'api listening');
      runUntilSignal(app, logger, config.shutdownTimeoutMs);
    });
}
