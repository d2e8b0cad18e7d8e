#!/usr/bin/env node
// `npm run demo`: from a fresh clone (Node + npm only) to a running demo. Installs pnpm through npm when it is
// missing (pinned to package.json's packageManager; no corepack: its signature check fails on Node 20),
// installs the dependencies when node_modules is missing or older than the lockfile, builds when the compiled
// CLI is missing or older than its sources, then runs `dialer demo` with the arguments given after `--`.
// Plain Node, no dependencies. Signals are forwarded; the demo's exit code is ours.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeVersionProblem } from './node-version.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const windows = process.platform === 'win32';
/** Packages the `dialer` command is built from (tsc -b builds them through packages/cli's references). */
const CLI_PACKAGES = ['core', 'simulator', 'producer', 'worker', 'ingester', 'board', 'cli'];

const say = (text) => process.stdout.write(`demo: ${text}\n`);

function fail(text) {
  process.stderr.write(`demo: ${text}\n`);
  process.exit(1);
}

function run(command, args, what) {
  say(`${what}: ${[command, ...args].join(' ')}`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', shell: windows });
  if (result.error) fail(`${what} failed: ${result.error.message}`);
  if (result.status !== 0) fail(`${what} failed (exit code ${result.status ?? result.signal})`);
}

function works(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'ignore', shell: windows });
  return !result.error && result.status === 0;
}

function checkNode() {
  const required = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).engines?.node ?? '>=20.19';
  const problem = nodeVersionProblem(process.versions.node, required);
  if (problem) fail(problem);
}

/** The pnpm to use: the installed one, else one installed globally through npm, else `npx pnpm@<version>`. */
function findPnpm() {
  const manager = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).packageManager ?? 'pnpm@10';
  const version = manager.split('@')[1]?.split('+')[0] ?? '10';
  if (works('pnpm', ['--version'])) return { command: 'pnpm', prefix: [] };
  say(`pnpm is not installed: installing pnpm@${version} through npm`);
  const global = spawnSync('npm', ['install', '-g', `pnpm@${version}`], {
    cwd: root,
    stdio: 'inherit',
    shell: windows,
  });
  if (!global.error && global.status === 0 && works('pnpm', ['--version'])) return { command: 'pnpm', prefix: [] };
  say(`a global install was not possible (permissions?): using npx -y pnpm@${version} instead`);
  if (!works('npx', ['-y', `pnpm@${version}`, '--version']))
    fail(`could not run pnpm@${version} through npx either: install pnpm yourself (npm install -g pnpm@${version})`);
  return { command: 'npx', prefix: ['-y', `pnpm@${version}`] };
}

function mtime(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

/** The newest modification time of any file under `dir`. */
function newestUnder(dir) {
  let newest = 0;
  if (!existsSync(dir)) return newest;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestUnder(path) : mtime(path));
  }
  return newest;
}

function needsInstall() {
  const marker = join(root, 'node_modules', '.modules.yaml');
  if (!existsSync(marker)) return 'node_modules is missing';
  if (mtime(join(root, 'pnpm-lock.yaml')) > mtime(join(root, 'node_modules', '.pnpm', 'lock.yaml')))
    return 'pnpm-lock.yaml changed since the last install';
  return undefined;
}

function needsBuild() {
  if (!existsSync(join(root, 'packages', 'cli', 'dist', 'main.js'))) return 'the dialer is not built yet';
  for (const name of CLI_PACKAGES) {
    const pkg = join(root, 'packages', name);
    const built = mtime(join(pkg, 'dist', '.tsbuildinfo'));
    if (newestUnder(join(pkg, 'src')) > built) return `packages/${name} changed since the last build`;
  }
  return undefined;
}

function runDemo(args) {
  const main = join(root, 'packages', 'cli', 'dist', 'main.js');
  say(`starting: node packages/cli/dist/main.js demo ${args.join(' ')}`.trimEnd());
  const child = spawn(process.execPath, [main, 'demo', ...args], { cwd: root, stdio: 'inherit' });
  // A terminal's Ctrl-C reaches the demo directly too; it treats the two deliveries as one.
  const forward = (signal) => {
    if (child.exitCode === null) child.kill(signal);
  };
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  child.on('exit', (code, signal) => {
    process.exitCode = code ?? (signal === 'SIGINT' ? 130 : signal === 'SIGTERM' ? 143 : 1);
  });
}

checkNode();
const args = process.argv.slice(2);
const reasonToInstall = needsInstall();
const reasonToBuild = needsBuild();
if (reasonToInstall || reasonToBuild) {
  const pnpm = findPnpm();
  if (reasonToInstall)
    run(
      pnpm.command,
      [...pnpm.prefix, 'install', '--frozen-lockfile'],
      `${reasonToInstall}, installing the dependencies`,
    );
  if (reasonToBuild) run(pnpm.command, [...pnpm.prefix, 'build'], `${reasonToBuild}, building`);
} else say('dependencies installed and the dialer is built: nothing to prepare');
runDemo(args);
