// The bench package's public surface: scenario types and the table formatter (the runner is main.ts).
export type { BenchContext, Scenario, ScenarioRow } from './scenario.js';
export { formatTable } from './report.js';
