// The public surface of @dialer/simulator. Named exports only: what is not listed here is internal.
export { createSimulator, buildSimulator, type Simulator } from './create-simulator.js';
export { loadSimulatorOptions, SIMULATOR_ENV_VARIABLES } from './env.js';
export {
  DEFAULT_OUTCOME_WEIGHTS,
  DEFAULT_SIMULATOR_CONFIG,
  simulatorConfigPatchSchema,
  type SimulatorOptions,
  type SimulatorConfig,
  type SimulatorConfigPatch,
  type ResolvedSimulatorOptions,
  type Spelling,
  type StatusStyle,
} from './options.js';
export type { Quota } from './specs.js';
export { QUOTA_MESSAGE } from './quotas.js';
export { SIM_OUTCOMES, isSimOutcome, type SimOutcome, type OutcomeWeights } from './outcomes.js';
export { SimulatorState, type SimulatorStats } from './state.js';
export type { DialoutRecord, NotificationRecord, NotificationKind, RecordPage } from './records.js';
export { DIALOUT_ROUTE, DIALOUT_ROUTE_V2, NO_REPLY_STATUS } from './dialout-route.js';
export type { DelayRange } from './random.js';
