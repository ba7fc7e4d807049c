import { until } from '../../../../test/support/until';
import {
  createTestDatabase,
  TestDatabase,
  openRevocationDataSource,
} from '../../../../test/support/databases';
import { setup } from '../../test/setup';
import { TypeOrmRevocationStore } from '../typeorm';
import { PostgresNotifyTransport } from './postgres-notify.transport';

describe('PostgresNotifyTransport', () => {
  let db: TestDatabase;
  const closers: (() => Promise<unknown>)[] = [];
  beforeAll(async () => {
    db = await createTestDatabase('postgres');
  });
  afterAll(async () => {
    for (const close of closers.splice(0).reverse()) await close();
    await db.drop();
  });

  async function instance() {
    const ds = await openRevocationDataSource(db);
    closers.push(() => ds.destroy());
    const ctx = await setup({
      store: new TypeOrmRevocationStore(ds),
      pollInterval: 60,
      maxStaleness: 600,
      transport: new PostgresNotifyTransport({ connectionString: db.url }),
    });
    closers.push(() => ctx.close());
    return ctx;
  }

  it('carries revocations between instances through LISTEN/NOTIFY, splitting large batches', async () => {
    const a = await instance();
    const b = await instance();
    expect(b.sync.status().transport).toEqual({ name: 'postgres-notify', connected: true });
    const pair = await a.sessions.issue('u1');
    const claims = b.verifier.verifyAccessToken(pair.accessToken);
    await a.revocations.revokeSession(pair.sessionId, { reason: 'logout' });
    await until(() => b.revocations.check(claims) === 'session', 1000);

    const many = await Promise.all(
      Array.from({ length: 120 }, () => a.sessions.issue('u2', { ip: '198.51.100.77' })),
    );
    await a.revocations.revokeIp('198.51.100.77', { reason: 'suspicious_activity' });
    const last = b.verifier.verifyAccessToken(many[many.length - 1].accessToken);
    await until(
      () =>
        many.every(
          (p) => b.revocations.check(b.verifier.verifyAccessToken(p.accessToken)) === 'session',
        ),
      2000,
    );
    expect(b.revocations.check(last)).toBe('session');
  });
});
