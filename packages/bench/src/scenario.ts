/** One row of the benchmark table: our figure beside the raw baseline measured in the same run. */
export interface ScenarioRow {
  /** e.g. "P1 import". */
  scenario: string;
  /** What is measured, with its unit, e.g. "rows/s". */
  metric: string;
  value: number;
  /** The raw baseline's figure for the same metric (omit for absolute figures such as peak RSS). */
  baseline?: number;
  /** Target as text, e.g. "≥ 0.8× baseline" or "≤ 200 MB". */
  target: string;
  /** Whether the target holds. */
  pass: boolean;
}

/** Shared environment a scenario runs in: a private redis-server URL and a scratch directory. */
export interface BenchContext {
  redisUrl: string;
  workDir: string;
  /** Scale factor: 1 = full size (pnpm bench), smaller for a quick run (pnpm bench --quick). */
  scale: number;
  log(message: string): void;
}

export type Scenario = (ctx: BenchContext) => Promise<ScenarioRow[]>;
