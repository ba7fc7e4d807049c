import { rmSync } from 'node:fs';

/** Jest globalTeardown of the e2e project: removes the consumer installs this run made. */
export default function teardown(): void {
  const dir = process.env.JWTREV_CONSUMER_DIR;
  if (dir && process.env.JWTREV_CONSUMER_DIR_OWNED === 'true')
    rmSync(dir, { recursive: true, force: true });
}
