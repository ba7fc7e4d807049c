import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpAdapterKind } from '../../../apps/sample/src/config/sample.config';
import { sampleMatrix, SampleTestApp } from '../../sample/support/sample-app';
import { Attack, runAttack } from './catalogue';
import { RawAttack, runRawAttack } from './raw-requests';
import { Alg, Canary, signingKey, Target } from './target';

/** The HTTP adapters the in-process suites run on (SQLite: signing does not depend on the store). */
export const attackAdapters = (): HttpAdapterKind[] =>
  sampleMatrix()
    .filter(([kind]) => kind === 'sqlite')
    .map(([, adapter]) => adapter);

/**
 * One test per catalogue item, on each adapter, against one sample instance per signing algorithm
 * the items name (HS256, ES256, EdDSA, RS256), each item run on every one of its algorithms.
 */
export function describeAttacks(title: string, attacks: Attack[], raw: RawAttack[] = []): void {
  const algs = [
    ...new Set(
      attacks.flatMap((attack) => attack.algs ?? ['HS256']).concat(raw.length ? ['HS256'] : []),
    ),
  ] as Alg[];
  describe.each(attackAdapters())(`${title} on %s`, (adapter) => {
    const apps: SampleTestApp[] = [];
    const targets = new Map<Alg, Target>();
    let canary: Canary;
    let dir: string;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'attack-keys-'));
      canary = await Canary.start();
      for (const alg of algs) {
        const key = signingKey(alg, dir);
        const app = await SampleTestApp.start('sqlite', adapter, key.env);
        apps.push(app);
        targets.set(alg, await Target.open(key, app.app.getHttpServer() as Server, canary));
      }
    }, 60_000);
    afterAll(async () => {
      for (const app of apps) await app.close();
      await canary?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    for (const attack of attacks) {
      it(`[${attack.source}] ${attack.title}`, async () => {
        for (const alg of attack.algs ?? ['HS256']) await runAttack(attack, targets.get(alg)!);
      });
    }
    for (const attack of raw) {
      it(`[${attack.source}] ${attack.title} (raw request)`, () =>
        runRawAttack(attack, targets.get('HS256')!));
    }
  });
}
