// The cli package's public surface: the program builder (used by tests and by main.ts).
export { buildProgram } from './program.js';
