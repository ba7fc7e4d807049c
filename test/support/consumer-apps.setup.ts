import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Jest globalSetup of the e2e project: one directory per run in which the packed library and the
 * consumer installs are shared by every test file (workers inherit the variable). A directory given
 * in JWTREV_CONSUMER_DIR is used and kept instead (to rerun without reinstalling while developing;
 * empty it to pack and install again).
 */
export default function setup(): void {
  if (process.env.JWTREV_CONSUMER_DIR) return;
  process.env.JWTREV_CONSUMER_DIR = mkdtempSync(join(tmpdir(), 'jwtrev-consumers-'));
  process.env.JWTREV_CONSUMER_DIR_OWNED = 'true';
}
