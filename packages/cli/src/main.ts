#!/usr/bin/env node
import { buildProgram } from './program.js';
import { reportFatal } from './fatal.js';

buildProgram()
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    reportFatal(err);
  });
