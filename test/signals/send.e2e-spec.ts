import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JWK } from 'jose';
import { createTestDatabase, TestDatabase } from '../support/databases';
import { freePort } from '../support/redis-server';
import { buildSample, SampleProcess } from '../support/sample-process';
import { until } from '../support/until';
import { bearer, claimsOf } from '../sample/support/sample-app';
import { SimulatedReceiver } from './support/simulated-idp';

const ISSUER = 'https://api.sample.test';
const AUDIENCE = 'https://receiver.example.test';
const ADMIN = { email: 'admin@example.test', password: 'admin-password-1' };
const SESSION_REVOKED = 'https://schemas.openid.net/secevent/caep/event-type/session-revoked';
const CREDENTIAL_CHANGE = 'https://schemas.openid.net/secevent/caep/event-type/credential-change';
const SESSIONS_REVOKED = 'https://schemas.openid.net/secevent/risc/event-type/sessions-revoked';

beforeAll(buildSample, 180_000);

describe('SETs sent from the change log (Postgres, the built app as a process)', () => {
  let database: TestDatabase;
  let dataDir: string;
  let receiver: SimulatedReceiver;
  let app: SampleProcess;

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    dataDir = mkdtempSync(join(tmpdir(), 'sample-signals-'));
    const keyFile = join(dataDir, 'set-signing.pem');
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeFileSync(keyFile, privateKey.export({ format: 'pem', type: 'pkcs8' }));
    receiver = await SimulatedReceiver.start();
    app = new SampleProcess(
      {
        DATABASE_URL: database.url,
        DATA_DIR: dataDir,
        JWT_SECRET: randomBytes(32).toString('hex'),
        ADMIN_EMAIL: ADMIN.email,
        ADMIN_PASSWORD: ADMIN.password,
        SET_ISSUER: ISSUER,
        SET_SIGNING_KEY_FILE: keyFile,
        SET_RECEIVER_URL: receiver.url,
        SET_RECEIVER_AUDIENCE: AUDIENCE,
        SET_POLL_INTERVAL: '100ms',
        SET_RETRY_DELAY: '100ms',
        SET_MAX_RETRY_DELAY: '500ms',
        // A killed sender's lease lapses after this; the restarted one then takes over.
        SET_LEASE_TTL: '2s',
      },
      await freePort(),
    );
    await app.start();
  }, 120_000);
  afterAll(async () => {
    await app?.kill9();
    await receiver?.close();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function signUp() {
    const email = `set-${randomBytes(4).toString('hex')}@example.test`;
    const res = await app.http
      .post('/auth/register')
      .send({ email, password: 'password-123' })
      .expect(201);
    const login = await app.http
      .post('/auth/login')
      .send({ email, password: 'password-123' })
      .expect(200);
    return { id: res.body.id as string, tokens: login.body as { access_token: string } };
  }

  async function verifiedSets() {
    const jwks = (await app.http.get('/.well-known/jwks.json').expect(200)).body as { keys: JWK[] };
    return receiver.verified(jwks, ISSUER, AUDIENCE);
  }

  const sessionsRevoked = async () =>
    new Set(
      [...(await verifiedSets()).values()]
        .filter((set) => SESSION_REVOKED in (set.events as object))
        .map((set) => (set.sub_id as { session: { id: string } }).session.id),
    );

  it('sends logout, password change and admin revocation as signed SETs the receiver verifies with jose', async () => {
    const loggedOut = await signUp();
    const changed = await signUp();
    const revoked = await signUp();
    await app.http.post('/auth/logout').set(bearer(loggedOut.tokens.access_token)).expect(204);
    await app.http
      .post('/me/password')
      .set(bearer(changed.tokens.access_token))
      .send({ current_password: 'password-123', new_password: 'password-456' })
      .expect(200);
    const admin = (await app.http.post('/auth/login').send(ADMIN).expect(200)).body as {
      access_token: string;
    };
    await app.http
      .post('/admin/revocations')
      .set(bearer(admin.access_token))
      .send({ user_id: revoked.id, reason: 'compromised' })
      .expect(201);

    let sets = new Map<string, Record<string, unknown>>();
    await until(
      async () => {
        sets = (await verifiedSets()) as Map<string, Record<string, unknown>>;
        const events = [...sets.values()].map((s) => Object.keys(s.events as object)[0]);
        return (
          events.includes(CREDENTIAL_CHANGE) &&
          events.includes(SESSIONS_REVOKED) &&
          events.includes(SESSION_REVOKED)
        );
      },
      10_000,
      'the three SETs',
    );
    const all = [...sets.values()];
    const logoutSet = all.find((s) => SESSION_REVOKED in (s.events as object))!;
    expect(logoutSet.sub_id).toEqual({
      format: 'complex',
      user: { format: 'iss_sub', iss: ISSUER, sub: loggedOut.id },
      session: { format: 'opaque', id: claimsOf(loggedOut.tokens.access_token).sid },
    });
    const credential = all.find((s) => CREDENTIAL_CHANGE in (s.events as object))!;
    expect(credential.sub_id).toEqual({ format: 'iss_sub', iss: ISSUER, sub: changed.id });
    expect((credential.events as Record<string, object>)[CREDENTIAL_CHANGE]).toEqual(
      expect.objectContaining({ credential_type: 'password', change_type: 'update' }),
    );
    const wholesale = all.find((s) => SESSIONS_REVOKED in (s.events as object))!;
    expect(wholesale.sub_id).toEqual({ format: 'iss_sub', iss: ISSUER, sub: revoked.id });

    const audit = await app.http
      .get('/admin/signals')
      .query({ direction: 'sent', limit: 200 })
      .set(bearer(admin.access_token))
      .expect(200);
    const sentJtis = (audit.body.entries as { jti: string; issuer: string; outcome: string }[])
      .filter((e) => e.issuer === ISSUER && e.outcome === 'delivered')
      .map((e) => e.jti);
    expect(sentJtis).toEqual(expect.arrayContaining([...sets.keys()]));
  }, 60_000);

  it('redelivers after the receiver was down, and loses none across kill -9 of the sender', async () => {
    receiver.up = false;
    const users = [];
    for (let i = 0; i < 6; i++) users.push(await signUp());
    for (const user of users.slice(0, 3)) {
      await app.http.post('/auth/logout').set(bearer(user.tokens.access_token)).expect(204);
    }
    // The sender has tried and failed meanwhile (the receiver answers 503).
    const health = async () =>
      (await app.http.get('/health').expect(200)).body.details.set_delivery.receivers[0];
    await until(async () => (await health()).failures > 0, 10_000, 'a failed push');
    await app.kill9();
    await app.start();
    for (const user of users.slice(3)) {
      await app.http.post('/auth/logout').set(bearer(user.tokens.access_token)).expect(204);
    }
    // Back up: everything revoked while it was down arrives, before and after the crash.
    receiver.up = true;
    const expected = users.map((u) => claimsOf(u.tokens.access_token).sid as string);
    await until(
      async () => {
        const got = await sessionsRevoked();
        return expected.every((sid) => got.has(sid));
      },
      20_000,
      'every session-revoked SET',
    );
    expect((await health()).failures).toBe(0);

    // kill -9 while SETs are in flight: whatever was not acknowledged is sent again after restart.
    const more = [];
    for (let i = 0; i < 5; i++) more.push(await signUp());
    for (const user of more)
      await app.http.post('/auth/logout').set(bearer(user.tokens.access_token)).expect(204);
    await app.kill9();
    await app.start();
    const expectedMore = more.map((u) => claimsOf(u.tokens.access_token).sid as string);
    await until(
      async () => {
        const got = await sessionsRevoked();
        return expectedMore.every((sid) => got.has(sid));
      },
      20_000,
      'every session-revoked SET after kill -9',
    );
  }, 120_000);
});
