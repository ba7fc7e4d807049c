import { until } from '../../../../test/support/until';
import { randomBytes } from 'node:crypto';
import { OwnRedisServer, REDIS_URL } from '../../../../test/support/redis-server';
import { setup } from '../../test/setup';
import { MemoryRevocationStore } from '../storage/memory-revocation.store';
import { RedisRevocationTransport } from './redis-revocation.transport';

describe('RedisRevocationTransport', () => {
  const closers: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  async function instances(url: string, pollInterval: number) {
    const store = new MemoryRevocationStore();
    const channel = `jwt-revocation-test:${randomBytes(4).toString('hex')}`;
    const make = async () => {
      const ctx = await setup({
        store,
        pollInterval,
        maxStaleness: pollInterval * 20,
        transport: new RedisRevocationTransport({ url, channel }),
      });
      closers.push(() => ctx.close());
      return ctx;
    };
    return { a: await make(), b: await make() };
  }

  it('carries a revocation to the other instance without waiting for a poll', async () => {
    const { a, b } = await instances(REDIS_URL, 60);
    expect(b.sync.status().transport).toEqual({ name: 'redis', connected: true });
    const pair = await a.sessions.issue('u1');
    const claims = b.verifier.verifyAccessToken(pair.accessToken);
    await a.revocations.revokeSession(pair.sessionId, { reason: 'logout' });
    const waited = await until(() => b.revocations.check(claims) === 'session', 1000);
    expect(waited).toBeLessThan(1000);
  });

  it('falls back to polling while Redis is down, and resumes pub/sub when it returns', async () => {
    const redis = await OwnRedisServer.start();
    closers.push(() => redis.kill());
    const { a, b } = await instances(redis.url, 0.1);
    const first = await a.sessions.issue('u1');
    await redis.kill();
    await until(() => !b.sync.status().transport!.connected, 2000);
    await a.revocations.revokeSession(first.sessionId, { reason: 'logout' });
    const claims = b.verifier.verifyAccessToken(first.accessToken);
    await until(() => b.revocations.check(claims) === 'session', 1000);

    await redis.start();
    await until(
      () => b.sync.status().transport!.connected && a.sync.status().transport!.connected,
      5000,
    );
    const second = await a.sessions.issue('u2');
    const secondClaims = b.verifier.verifyAccessToken(second.accessToken);
    await a.revocations.revokeUser('u2', { reason: 'account_suspended' });
    await until(() => b.revocations.check(secondClaims) === 'user', 1000);
  });
});
