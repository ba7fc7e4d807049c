import { MemoryRevocationStore, RevocationChange, RevocationSnapshot } from 'nestjs-jwt-revocation';
import { BENCH_USER, LOADED, randomIds } from './bench.shared';

/**
 * The revocation state of `revocation-1m`: generated, not read from a database, so every server
 * starts fast; handed over in batches of 2,000 as the TypeORM store does.
 */
export class LoadedStore extends MemoryRevocationStore {
  override async loadSnapshot(): Promise<RevocationSnapshot> {
    const userVersions: [string, number, number][] = [[BENCH_USER, 1, 0]];
    for (let i = 1; i < LOADED.users; i++) userVersions.push([`user-${i}`, 1, 0]);
    return { changes: generated(), userVersions, globalVersion: 0, globalRevokedAt: 0, cursor: 0 };
  }

  override async versions(subject: string) {
    return { user: subject === BENCH_USER ? 1 : 0, global: 0 };
  }
}

async function* generated(): AsyncGenerator<RevocationChange[]> {
  const far = Date.now() + 86_400_000;
  for (const [kind, count] of [
    ['jti', LOADED.jtis],
    ['session', LOADED.sessions],
  ] as const) {
    for (let done = 0; done < count; done += 2_000) {
      yield randomIds(Math.min(2_000, count - done)).map((target) => ({
        seq: 0,
        kind,
        target,
        version: 0,
        expiresAt: far,
      }));
    }
  }
}
