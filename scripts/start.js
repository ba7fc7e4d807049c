#!/usr/bin/env node
'use strict';
/**
 * `npm start`: builds the library and the sample app when their output is missing or older than
 * their sources, then runs the app, forwarding signals and its exit status.
 */
const { spawn, spawnSync } = require('node:child_process');
const { existsSync, readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const entry = join(root, 'dist/apps/sample/main.js');
const outputs = [entry, join(root, 'libs/jwt-revocation/dist/index.js')];
const sources = [
  join(root, 'apps/sample/src'),
  join(root, 'libs/jwt-revocation/src'),
  join(root, 'apps/sample/tsconfig.app.json'),
  join(root, 'libs/jwt-revocation/tsconfig.lib.json'),
  join(root, 'tsconfig.build.json'),
  join(root, 'tsconfig.json'),
];
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** Latest modification time (ms) of a file, or of any file below a directory. */
function newest(path) {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((latest, name) => Math.max(latest, newest(join(path, name))), 0);
}

function needsBuild() {
  if (!outputs.every((file) => existsSync(file))) return true;
  const built = Math.min(...outputs.map((file) => statSync(file).mtimeMs));
  return sources.some((path) => newest(path) > built);
}

if (needsBuild()) {
  console.log('Building the library and the sample app...');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const build = spawnSync(npm, ['run', 'build'], {
    cwd: root,
    stdio: 'inherit',
    shell: process.platform === 'win32',
  });
  if (build.status !== 0) {
    console.error('The build failed; not starting the app.');
    process.exit(build.status ?? 1);
  }
}

const app = spawn(process.execPath, [entry], { stdio: 'inherit' });
const forward = (signal) => app.kill(signal);
for (const signal of SIGNALS) process.on(signal, forward);

app.on('error', (error) => {
  console.error(`Could not start the app: ${error.message}`);
  process.exit(1);
});
app.on('exit', (code, signal) => {
  for (const name of SIGNALS) process.removeListener(name, forward);
  if (signal) process.kill(process.pid, signal);
  else process.exit(code ?? 1);
});
