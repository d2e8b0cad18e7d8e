#!/usr/bin/env node
import { buildProgram } from './program.js';

buildProgram()
  .parseAsync(process.argv)
  .catch(async (err: unknown) => {
    // Loaded on failure only: `dialer --help` and the like never load @dialer/core.
    const { reportFatal } = await import('./fatal.js');
    reportFatal(err);
  });
