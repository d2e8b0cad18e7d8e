// The public surface of @dialer/board. Named exports only: what is not listed here is internal.
export { buildBoard, type Board, type BoardDeps } from './build-board.js';
export { boardAccess, isLoopbackHost, type BoardCredentials } from './board-auth.js';
export { BOARD_PAUSE_REASON } from './board-hooks.js';
export { BoardMetrics } from './board-metrics.js';
export { INTERNAL_QUEUE_PREFIX, NOTIFY_BOARD_NAME, RESULTS_BOARD_NAME } from './board-queues.js';
