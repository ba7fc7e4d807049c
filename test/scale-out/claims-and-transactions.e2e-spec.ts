import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { RevocationService, RevocationSync } from 'nestjs-jwt-revocation';
import { DataSource } from 'typeorm';
import { createTestDatabase, TestDatabase } from '../support/databases';
import { REDIS_URL } from '../support/redis-server';
import { until } from '../support/until';
import { bearer, claimsOf, SampleTestApp, Tokens } from '../sample/support/sample-app';

/** The propagation bound through Redis; polling (every second) is the safety net underneath. */
const BOUND_MS = 1000;
const POLL_MS = 1000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Two sample instances on one Postgres database and one Redis channel: role changes refresh claims
 * without logout on both, and revocations made in a caller's transaction take effect on both only
 * once it commits, and even when the announcement after the commit is lost.
 */
describe('claims changes and revocations in transactions, two instances on Postgres + Redis', () => {
  let database: TestDatabase;
  let a: SampleTestApp;
  let b: SampleTestApp;
  let channel: string;
  let listener: Redis;
  const announced: string[] = [];
  const delays: number[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    channel = `claims-tx:${randomBytes(4).toString('hex')}`;
    const env = {
      JWT_SECRET: randomBytes(32).toString('hex'),
      REVOCATION_TRANSPORT: 'redis',
      REDIS_URL,
      REDIS_CHANNEL: channel,
      REVOCATION_POLL_INTERVAL: `${POLL_MS}ms`,
      REVOCATION_MAX_STALENESS: '10s',
    };
    a = await SampleTestApp.start('postgres', 'fastify', env, { database, realClock: true });
    b = await SampleTestApp.start('postgres', 'fastify', env, { database, realClock: true });
    listener = new Redis(REDIS_URL);
    await listener.subscribe(channel);
    listener.on('message', (_channel, body: string) => announced.push(body));
  });
  afterAll(async () => {
    listener?.disconnect();
    await a?.close();
    await b?.close();
    await database?.drop();
    process.stdout.write(`claims/transactions: refusal delays ${delays.join(', ')} ms\n`);
  });

  /** How long until `instance` answers 401 to `token` (at most `limitMs`); the response's challenge. */
  async function refusedBy(
    instance: SampleTestApp,
    token: string,
    since: number,
    limitMs: number,
  ): Promise<{ delay: number; challenge: string }> {
    for (;;) {
      const res = await instance.http.get('/me/sessions').set(bearer(token));
      if (res.status === 401) {
        return { delay: Date.now() - since, challenge: String(res.headers['www-authenticate']) };
      }
      expect(res.status).toBe(200);
      if (Date.now() - since > limitMs * 3) throw new Error('the revocation never arrived');
      await sleep(5);
    }
  }

  async function expectRefusedOnBoth(token: string, since: number, limitMs: number) {
    const answers = [];
    for (const instance of [a, b]) {
      const answer = await refusedBy(instance, token, since, limitMs);
      delays.push(answer.delay);
      expect(answer.delay).toBeLessThanOrEqual(limitMs);
      answers.push(answer);
    }
    return answers;
  }

  async function expectAcceptedOnBoth(tokens: Tokens) {
    for (const instance of [a, b]) {
      await instance.app.get(RevocationSync).refresh();
      expect(await instance.guardStatus(tokens.access_token)).toBe(200);
    }
  }

  it('refuses old access tokens on both instances as outdated claims; a refresh carries the new roles, no new login', async () => {
    const admin = await b.loginAdmin();
    const { user, tokens } = await a.signUp();
    const since = Date.now();
    await b.http
      .put(`/admin/users/${user.id}/roles`)
      .set(bearer(admin.access_token))
      .send({ roles: ['user', 'auditor'] })
      .expect(200);
    for (const { challenge } of await expectRefusedOnBoth(tokens.access_token, since, BOUND_MS)) {
      expect(challenge).toContain('outdated claims; refresh it');
    }
    const refreshed = await a.http
      .post('/auth/refresh')
      .send({ refresh_token: tokens.refresh_token })
      .expect(200);
    expect(claimsOf(refreshed.body.access_token)).toMatchObject({
      roles: ['user', 'auditor'],
      sid: claimsOf(tokens.access_token).sid,
    });
    for (const instance of [a, b]) {
      expect(await instance.guardStatus(refreshed.body.access_token)).toBe(200);
    }
  });

  it('leaves the tokens valid and announces nothing when the transaction fails after the revocation call', async () => {
    const { user, tokens } = await a.signUp();
    const from = announced.length;
    await expect(
      a.app.get(DataSource).transaction(async (em) => {
        const result = await a.app
          .get(RevocationService)
          .revokeUser(user.id, { reason: 'password_change', transaction: em });
        expect(result.revoked).toBe(1);
        throw new Error('the password write failed');
      }),
    ).rejects.toThrow('the password write failed');
    // Longer than the bound and than a poll: anything announced or committed would have arrived.
    await sleep(BOUND_MS + POLL_MS);
    await expectAcceptedOnBoth(tokens);
    expect(announced.slice(from).filter((m) => m.includes(user.id))).toEqual([]);
    const audit = await a.app.get(RevocationService).audit({ target: user.id });
    expect(audit).toEqual([]);
  });

  it('enforces a committed one on both instances within the bound, once, after the commit', async () => {
    const { user, tokens } = await a.signUp();
    const from = announced.length;
    const committed = await a.app
      .get(DataSource)
      .transaction(async (em) => {
        await a.app
          .get(RevocationService)
          .changeClaims(user.id, { actor: 'test', transaction: em });
        await sleep(300);
        // Not committed yet: nothing announced, nothing enforced.
        expect(announced.slice(from).filter((m) => m.includes(user.id))).toEqual([]);
        expect(await b.guardStatus(tokens.access_token)).toBe(200);
      })
      .then(() => Date.now());
    await expectRefusedOnBoth(tokens.access_token, committed, BOUND_MS);
    await until(
      () => announced.slice(from).some((m) => m.includes(user.id)),
      BOUND_MS,
      'announcement',
    );
    expect(await a.app.get(RevocationService).audit({ target: user.id })).toEqual([
      expect.objectContaining({ kind: 'claims', reason: 'role_change', count: 1 }),
    ]);
  });

  it('loses nothing when the instance dies between commit and announcement: polling picks it up', async () => {
    const { user, tokens } = await a.signUp();
    const from = announced.length;
    const sync = a.app.get(RevocationSync);
    const publish = sync.publish;
    // The hook: the commit happens, then "kill -9": this instance neither applies nor announces.
    sync.publish = async () => undefined;
    const committed = await a.app
      .get(DataSource)
      .transaction((em) =>
        a.app
          .get(RevocationService)
          .revokeUser(user.id, { reason: 'account_suspended', transaction: em }),
      )
      .then(() => Date.now())
      .finally(() => (sync.publish = publish));
    expect(announced.slice(from).filter((m) => m.includes(user.id))).toEqual([]);
    // Through the change log alone: one poll interval, with a margin for a loaded machine.
    await expectRefusedOnBoth(tokens.access_token, committed, POLL_MS + 1500);
    expect(announced.slice(from).filter((m) => m.includes(user.id))).toEqual([]);
    expect(await b.refreshStatus(tokens.refresh_token)).toBe(400);
  });
});
