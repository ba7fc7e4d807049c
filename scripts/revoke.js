#!/usr/bin/env node
'use strict';
/**
 * `npm run revoke -- <command> …`: the sample's incident CLI, built first when needed (the build
 * writes to stderr, so `--json` output on stdout stays one document). Exits with the CLI's status.
 */
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');
const { ensureBuilt, root } = require('./ensure-built');

ensureBuilt(['ignore', 2, 2]);
const cli = spawnSync(
  process.execPath,
  [join(root, 'dist/apps/sample/cli/revoke.js'), ...process.argv.slice(2)],
  { stdio: 'inherit' },
);
if (cli.error) {
  process.stderr.write(`Could not run the CLI: ${cli.error.message}\n`);
  process.exit(1);
}
process.exit(cli.status ?? 1);
