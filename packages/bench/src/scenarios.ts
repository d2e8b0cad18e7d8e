import type { Scenario } from './scenario.js';
import { p1Import } from './scenarios/p1-import.js';
import { p2Dispatch } from './scenarios/p2-dispatch.js';
import { p3Ingest } from './scenarios/p3-ingest.js';
import { p4Pacing } from './scenarios/p4-pacing.js';
import { p5EndToEnd } from './scenarios/p5-end-to-end.js';
import { p6ManyCampaigns } from './scenarios/p6-many-campaigns.js';

/** Every benchmark scenario, in the order `pnpm bench` runs them. */
export const SCENARIOS: Record<string, Scenario> = {
  P1: p1Import,
  P2: p2Dispatch,
  P3: p3Ingest,
  P4: p4Pacing,
  P5: p5EndToEnd,
  P6: p6ManyCampaigns,
};
