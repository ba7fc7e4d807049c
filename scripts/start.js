#!/usr/bin/env node
'use strict';
/**
 * `npm start`: builds the library and the sample app when their output is missing or older than
 * their sources, then runs the app, forwarding signals and its exit status.
 */
const { spawn } = require('node:child_process');
const { join } = require('node:path');
const { ensureBuilt, root } = require('./ensure-built');

const entry = join(root, 'dist/apps/sample/main.js');
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];

ensureBuilt();

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
