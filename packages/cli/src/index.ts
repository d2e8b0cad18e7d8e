// The cli package's public surface: the program builder (used by tests and by main.ts), and how to start the
// built `dialer` as a child process (the tests and the bench do; CLI_MAIN is its path).
export { buildProgram } from './program.js';
export {
  CLI_MAIN,
  spawnDialer,
  runDialer,
  describeExit,
  type DialerProcess,
  type ExitInfo,
  type SpawnDialerOptions,
} from './spawn-dialer.js';
