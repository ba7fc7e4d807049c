import { until } from '../../../../test/support/until';
import { DataSource } from 'typeorm';
import { OwnPostgresServer } from '../../../../test/support/postgres-server';
import { setup } from '../../test/setup';
import { RevocationUnavailableException } from '../jwt-revocation.exceptions';
import { JWT_REVOCATION_ENTITIES } from './revocation.entities';
import { JWT_REVOCATION_MIGRATIONS } from './migrations';
import { TypeOrmRevocationStore } from './typeorm-revocation.store';

describe('a Postgres outage', () => {
  let server: OwnPostgresServer;
  let ds: DataSource;
  let ctx: Awaited<ReturnType<typeof setup>>;

  beforeAll(async () => {
    server = await OwnPostgresServer.start();
    ds = await new DataSource({
      type: 'postgres',
      url: server.url,
      entities: JWT_REVOCATION_ENTITIES,
      migrations: JWT_REVOCATION_MIGRATIONS,
      migrationsRun: true,
      connectTimeoutMS: 500,
      extra: { connectionTimeoutMillis: 500, query_timeout: 2000 },
    }).initialize();
    ctx = await setup({
      store: new TypeOrmRevocationStore(ds),
      pollInterval: 0.05,
      maxStaleness: 0.5,
    });
  }, 60_000);

  afterAll(async () => {
    await ctx?.close();
    await ds?.destroy().catch(() => undefined);
    server?.destroy();
  });

  it('fails closed, refuses to report unstored revocations, and recovers by itself', async () => {
    const pair = await ctx.sessions.issue('u1');
    const claims = ctx.verifier.verifyAccessToken(pair.accessToken);
    expect(() => ctx.revocations.assertNotRevoked(claims)).not.toThrow();

    server.stop();
    ctx.clock.advance(600);
    await new Promise((r) => setTimeout(r, 200));
    expect(() => ctx.revocations.assertNotRevoked(claims)).toThrow(RevocationUnavailableException);
    await expect(
      ctx.revocations.revokeSession(pair.sessionId, { reason: 'logout' }),
    ).rejects.toThrow();
    await expect(ctx.sessions.issue('u2')).rejects.toThrow();

    server.start();
    await until(() => ctx.sync.status().trusted, 15_000);
    expect(() => ctx.revocations.assertNotRevoked(claims)).not.toThrow();
    await ctx.revocations.revokeSession(pair.sessionId, { reason: 'logout' });
    expect(ctx.revocations.check(claims)).toBe('session');
  }, 60_000);
});
