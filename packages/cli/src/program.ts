import { Command } from 'commander';
import { registerSimCommand } from './commands/sim.js';
import { registerProduceCommand } from './commands/produce.js';
import { registerIngesterCommand } from './commands/ingester.js';
import { registerWorkerCommand } from './commands/worker.js';
import { registerBoardCommand } from './commands/board.js';
import { registerApiCommand } from './commands/api.js';
import { registerApiKeyCommand } from './commands/apikey.js';
import { registerCampaignCommand } from './commands/campaign.js';
import { registerReportCommand } from './commands/report.js';
import { registerSuppressCommand } from './commands/suppress.js';
import { registerSettingsCommand } from './commands/settings.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerCallCommand } from './commands/call.js';
import { registerDoctorCommand } from './commands/doctor.js';
import { registerResultsCommand } from './commands/results.js';
import { registerLimitsCommand } from './commands/limits.js';
import { productVersion } from './version.js';

/**
 * Builds the `dialer` command with every sub-command; main.ts only parses argv. Each register*Command only
 * declares its command (name, options, help: commander and type imports only) and loads what it runs in
 * its action, with `await import()`: `dialer --help` loads no @dialer/* package, and each command loads only
 * its own (e.g. `dialer produce` leaves @dialer/core, BullMQ and ioredis to its import thread).
 */
export function buildProgram(): Command {
  const program = new Command('dialer')
    .description('Bulk outbound dialer for the SmartAssist Voice Gateway (SAVG) dial-out API')
    .showHelpAfterError()
    .configureHelp({ sortSubcommands: false })
    // Like commander's .version(), but the version is read only when asked for.
    .option('-V, --version', 'print the version of the dialer and exit')
    .on('option:version', () => {
      process.stdout.write(`${productVersion()}\n`);
      process.exit(0);
    });
  registerProduceCommand(program);
  registerSimCommand(program);
  registerWorkerCommand(program);
  registerIngesterCommand(program);
  registerBoardCommand(program);
  registerApiCommand(program);
  registerApiKeyCommand(program);
  registerCampaignCommand(program);
  registerLimitsCommand(program);
  registerReportCommand(program);
  registerResultsCommand(program);
  registerSuppressCommand(program);
  registerSettingsCommand(program);
  registerDoctorCommand(program);
  registerCallCommand(program);
  registerDemoCommand(program);
  return program;
}
