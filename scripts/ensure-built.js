'use strict';
/**
 * Builds the library and the sample app when their output is missing or older than their
 * sources. Shared by `npm start` and `npm run revoke`.
 */
const { spawnSync } = require('node:child_process');
const { existsSync, readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const outputs = [
  join(root, 'dist/apps/sample/main.js'),
  join(root, 'dist/apps/sample/web/account.js'),
  join(root, 'libs/jwt-revocation/dist/index.js'),
];
const sources = [
  join(root, 'apps/sample/src'),
  join(root, 'apps/sample/web'),
  join(root, 'libs/jwt-revocation/src'),
  join(root, 'apps/sample/tsconfig.app.json'),
  join(root, 'libs/jwt-revocation/tsconfig.lib.json'),
  join(root, 'tsconfig.build.json'),
  join(root, 'tsconfig.json'),
];

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

/**
 * Builds if needed, its output on `stdio` (stderr keeps a command's stdout clean), and exits with
 * the build's status when it fails.
 */
function ensureBuilt(stdio = 'inherit') {
  if (!needsBuild()) return;
  process.stderr.write('Building the library and the sample app...\n');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const build = spawnSync(npm, ['run', 'build'], {
    cwd: root,
    stdio,
    shell: process.platform === 'win32',
  });
  if (build.status !== 0) {
    process.stderr.write('The build failed.\n');
    process.exit(build.status ?? 1);
  }
}

module.exports = { ensureBuilt, root };
