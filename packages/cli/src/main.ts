#!/usr/bin/env node
// `dialer produce` starts its import thread first of all: the thread loads its modules (@dialer/core, BullMQ…
// ~0.5 s) while this one loads and parses the command line, so a large import's first contacts (and the
// campaign's first dial-out) come that much sooner. Other commands load nothing here.
if (process.argv[2] === 'produce') (await import('@dialer/producer')).prestartImportThread();
const { buildProgram } = await import('./program.js');

buildProgram()
  .parseAsync(process.argv)
  .catch(async (err: unknown) => {
    // Loaded on failure only: `dialer --help` and the like never load @dialer/core.
    const { reportFatal } = await import('./fatal.js');
    reportFatal(err);
  });
