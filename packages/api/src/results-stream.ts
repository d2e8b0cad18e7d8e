import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import {
  ATTEMPT_REPORT_COLUMNS,
  REPORT_COLUMNS,
  attemptReportCells,
  attemptReportRows,
  reportCells,
  reportRows,
  type CampaignStore,
  type Logger,
} from '@dialer/core';

export type ResultsFormat = 'csv' | 'ndjson';

interface Shape<Row> {
  columns: readonly string[];
  rows: (store: CampaignStore, campaignId: string) => AsyncIterable<Row>;
  cells: (row: Row) => string[];
}

/**
 * `dialer report`'s rows (one per contact, or per attempt), streamed from Redis page by page: CSV with the same
 * columns and formula escaping (core reportCells), or NDJSON, one JSON row per line (the objects of
 * `dialer report --format json`). A Redis failure half-way ends the response early (the client sees a cut
 * transfer, never a short report that looks complete) and is logged.
 */
export function resultsStream(
  store: CampaignStore,
  campaignId: string,
  format: ResultsFormat,
  attempts: boolean,
  logger: Logger,
): Readable {
  return attempts
    ? shaped(
        { columns: ATTEMPT_REPORT_COLUMNS, rows: attemptReportRows, cells: attemptReportCells },
        store,
        campaignId,
        format,
        logger,
      )
    : shaped({ columns: REPORT_COLUMNS, rows: reportRows, cells: reportCells }, store, campaignId, format, logger);
}

function shaped<Row>(
  shape: Shape<Row>,
  store: CampaignStore,
  campaignId: string,
  format: ResultsFormat,
  logger: Logger,
): Readable {
  const out = new PassThrough();
  const source =
    format === 'csv'
      ? pipeline(Readable.from(csvRecords(shape, store, campaignId)), stringify(), out)
      : pipeline(Readable.from(ndjson(shape.rows(store, campaignId))), out);
  source.catch((err: unknown) => logger.error({ err, campaignId }, 'results stream failed'));
  return out;
}

async function* csvRecords<Row>(shape: Shape<Row>, store: CampaignStore, campaignId: string): AsyncGenerator<string[]> {
  yield [...shape.columns];
  for await (const row of shape.rows(store, campaignId)) yield shape.cells(row);
}

async function* ndjson<Row>(rows: AsyncIterable<Row>): AsyncGenerator<string> {
  for await (const row of rows) yield `${JSON.stringify(row)}\n`;
}
