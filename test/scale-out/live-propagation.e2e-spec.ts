import { EventEmitter2 } from '@nestjs/event-emitter';
import { randomBytes } from 'node:crypto';
import { JwtRevocationEvents, LiveConnectionRegistry, SessionService } from 'nestjs-jwt-revocation';
import { RedisRevocationTransport } from 'nestjs-jwt-revocation/redis';
import { TypeOrmRevocationStore } from 'nestjs-jwt-revocation/typeorm';
import type { DataSource } from 'typeorm';
import {
  createTestDatabase,
  openRevocationDataSource,
  TestDatabase,
  testDatabaseKinds,
} from '../support/databases';
import { LiveGatewayApp } from '../support/live-gateways';
import { REDIS_URL } from '../support/redis-server';
import { until } from '../support/until';
import { LiveSocketClient, listen, SseClient, within } from '../sample/support/live-clients';
import { bearer, claimsOf, SampleTestApp, Tokens } from '../sample/support/sample-app';

/** The bound `propagation.e2e-spec.ts` holds Redis pub/sub to. */
const BOUND_MS = 1000;
const TRIALS = 100;

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

/** Prints p50/p99/max of `delays` (ms) and returns the p99. */
function report(what: string, delays: number[]): number {
  const sorted = [...delays].sort((x, y) => x - y);
  const p99 = percentile(sorted, 99);
  console.log(
    `${what} (${delays.length} trials, from the logout on A): ` +
      `p50 ${percentile(sorted, 50).toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, ` +
      `max ${sorted[sorted.length - 1].toFixed(1)} ms`,
  );
  return p99;
}

/**
 * `count` sessions of one new user on `t`, as its login issues them (with the user's roles),
 * without hashing the password `count` times.
 */
async function signedInSessions(t: SampleTestApp, count: number): Promise<Tokens[]> {
  const { user, tokens } = await t.signUp();
  const { roles } = claimsOf(tokens.access_token) as { roles: string[] };
  const sessions = [tokens];
  while (sessions.length < count) {
    const pair = await t.app.get(SessionService).issue(user.id, { roles });
    sessions.push({ ...tokens, access_token: pair.accessToken, refresh_token: pair.refreshToken });
  }
  return sessions;
}

const onPostgres = testDatabaseKinds().includes('postgres') ? describe : describe.skip;

onPostgres(
  'a logout on sample instance A ends live connections on instance B (Postgres + Redis)',
  () => {
    let database: TestDatabase;
    let a: SampleTestApp;
    let b: SampleTestApp;

    beforeAll(async () => {
      database = await createTestDatabase('postgres');
      // Polling every minute: only the Redis announcement can reach B within the bound.
      const env = {
        JWT_SECRET: randomBytes(32).toString('hex'),
        REVOCATION_TRANSPORT: 'redis',
        REDIS_URL,
        REDIS_CHANNEL: `live-scale-out:${randomBytes(4).toString('hex')}`,
        REVOCATION_POLL_INTERVAL: '60s',
        REVOCATION_MAX_STALENESS: '600s',
      };
      a = await SampleTestApp.start('postgres', 'fastify', env, { database, realClock: true });
      b = await SampleTestApp.start('postgres', 'fastify', env, { database, realClock: true });
    });
    afterAll(async () => {
      await a?.close();
      await b?.close();
      await database?.drop();
    });

    it(`closes the WebSocket within ${BOUND_MS} ms at p99 over ${TRIALS} trials`, async () => {
      const sessions = await signedInSessions(a, TRIALS);
      const port = await listen(b);
      const sockets = sessions.map((tokens) => LiveSocketClient.open(port, tokens.access_token));
      await Promise.all(sockets.map((socket) => socket.ready));
      expect(b.app.get(LiveConnectionRegistry).size).toBe(TRIALS);

      const delays: number[] = [];
      for (let i = 0; i < TRIALS; i++) {
        const started = performance.now();
        await a.http.post('/auth/logout').set(bearer(sessions[i].access_token)).expect(204);
        expect(await within(sockets[i].closed, BOUND_MS * 3, `socket ${i} closed`)).toEqual({
          code: 4401,
          reason: 'token_revoked',
        });
        delays.push(performance.now() - started);
        // Only the logged-out session's socket ends.
        expect(b.app.get(LiveConnectionRegistry).size).toBe(TRIALS - i - 1);
      }
      expect(report('logout on A -> WebSocket closed on B', delays)).toBeLessThanOrEqual(BOUND_MS);
    }, 120_000);

    it(`ends the SSE stream within ${BOUND_MS} ms at p99 over ${TRIALS} trials`, async () => {
      const sessions = await signedInSessions(a, TRIALS);
      const port = await listen(b);
      const streams = sessions.map((tokens) => new SseClient(port, tokens.access_token));
      await until(() => streams.every((s) => s.events.includes('ready')), 10_000, 'ready events');
      expect(b.app.get(LiveConnectionRegistry).size).toBe(TRIALS);

      const delays: number[] = [];
      for (let i = 0; i < TRIALS; i++) {
        const started = performance.now();
        await a.http.post('/auth/logout').set(bearer(sessions[i].access_token)).expect(204);
        await within(streams[i].ended, BOUND_MS * 3, `stream ${i} ended`);
        delays.push(performance.now() - started);
        expect(streams[i].events).toEqual(['ready', 'revoked']);
        expect(b.app.get(LiveConnectionRegistry).size).toBe(TRIALS - i - 1);
      }
      expect(report('logout on A -> SSE stream ended on B', delays)).toBeLessThanOrEqual(BOUND_MS);
    }, 120_000);
  },
);

onPostgres(
  'a logout on instance A disconnects socket.io clients of instance B (Postgres + Redis)',
  () => {
    let database: TestDatabase;
    const sources: DataSource[] = [];
    let a: LiveGatewayApp;
    let b: LiveGatewayApp;

    beforeAll(async () => {
      database = await createTestDatabase('postgres');
      const secret = randomBytes(32).toString('hex');
      const channel = `live-scale-out-io:${randomBytes(4).toString('hex')}`;
      // Sequentially: the first data source runs the migrations.
      const start = async () => {
        const source = await openRevocationDataSource(database);
        sources.push(source);
        return LiveGatewayApp.start('socket.io', {
          secret,
          store: new TypeOrmRevocationStore(source),
          transport: new RedisRevocationTransport({ url: REDIS_URL, channel }),
          // Polling every minute: only the Redis announcement can reach B within the bound.
          pollInterval: 60,
          maxStaleness: 600,
        });
      };
      a = await start();
      b = await start();
    });
    afterAll(async () => {
      await a?.close();
      await b?.close();
      for (const source of sources) await source.destroy();
      await database?.drop();
    });

    it(`within ${BOUND_MS} ms at p99 over ${TRIALS} trials`, async () => {
      const subject = `io-${randomBytes(4).toString('hex')}`;
      const sessions = [];
      for (let i = 0; i < TRIALS; i++)
        sessions.push(await a.app.get(SessionService).issue(subject));
      const clients = sessions.map((pair) => b.connect('feed', pair.accessToken));
      await Promise.all(clients.map((client) => client.next('ready', 10_000)));
      expect(b.app.get(LiveConnectionRegistry).size).toBe(TRIALS);

      const events = a.app.get(EventEmitter2);
      const delays: number[] = [];
      for (let i = 0; i < TRIALS; i++) {
        const started = performance.now();
        await events.emitAsync(JwtRevocationEvents.LoggedOut, {
          userId: subject,
          sessionId: sessions[i].sessionId,
        });
        expect(await clients[i].closed(BOUND_MS * 3)).toEqual({ reason: 'token_revoked' });
        delays.push(performance.now() - started);
        expect(b.app.get(LiveConnectionRegistry).size).toBe(TRIALS - i - 1);
      }
      expect(
        report('logout on A -> socket.io client disconnected from B', delays),
      ).toBeLessThanOrEqual(BOUND_MS);
    }, 60_000);
  },
);
