import type { JWK } from 'jose';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HttpAdapterKind } from '../../apps/sample/src/config/sample.config';
import { createTestDatabase, DatabaseKind, TestDatabase } from '../support/databases';
import { until } from '../support/until';
import { bearer, claimsOf, SampleTestApp } from '../sample/support/sample-app';
import { SimulatedIdp, SimulatedReceiver } from './support/simulated-idp';

const ISSUER = 'https://api.sample.test';
const AUDIENCE = 'https://receiver.example.test';
const SESSION_REVOKED = 'https://schemas.openid.net/secevent/caep/event-type/session-revoked';

const setups: [string, DatabaseKind, HttpAdapterKind, number][] = [
  ['two instances on Postgres', 'postgres', 'fastify', 2],
  ['one instance on SQLite', 'sqlite', 'express', 1],
];

describe.each(setups)('SETs sent in process: %s', (_name, kind, adapter, count) => {
  let database: TestDatabase;
  let keyDir: string;
  let idp: SimulatedIdp;
  let receiver: SimulatedReceiver;
  let instances: SampleTestApp[];

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    keyDir = mkdtempSync(join(tmpdir(), 'set-key-'));
    const keyFile = join(keyDir, 'set.pem');
    const { privateKey } = generateKeyPairSync('ed25519');
    writeFileSync(keyFile, privateKey.export({ format: 'pem', type: 'pkcs8' }));
    idp = await SimulatedIdp.start();
    receiver = await SimulatedReceiver.start();
    const env = {
      JWT_SECRET: randomBytes(32).toString('hex'),
      SET_ISSUER: ISSUER,
      SET_SIGNING_KEY_FILE: keyFile,
      SET_RECEIVER_URL: receiver.url,
      SET_RECEIVER_AUDIENCE: AUDIENCE,
      SET_POLL_INTERVAL: '50ms',
      SET_RETRY_DELAY: '50ms',
      OIDC_BACKCHANNEL_ISSUER: idp.issuer,
      OIDC_BACKCHANNEL_JWKS_URL: idp.jwksUrl,
      OIDC_BACKCHANNEL_AUDIENCE: 'sample-api',
    };
    instances = [];
    for (let i = 0; i < count; i++) {
      instances.push(await SampleTestApp.start(kind, adapter, env, { database, realClock: true }));
    }
  }, 60_000);
  afterAll(async () => {
    for (const instance of instances ?? []) await instance.close();
    await receiver?.close();
    await idp?.close();
    await database?.drop();
    rmSync(keyDir, { recursive: true, force: true });
  });

  const sets = async () => {
    const jwks = (await instances[0].http.get('/.well-known/jwks.json').expect(200)).body as {
      keys: JWK[];
    };
    return receiver.verified(jwks, ISSUER, AUDIENCE);
  };
  const revokedSessions = async () =>
    [...(await sets()).values()]
      .filter((set) => SESSION_REVOKED in (set.events as object))
      .map((set) => (set.sub_id as { session: { id: string } }).session.id);

  it('one instance sends each revocation once, whichever instance made it', async () => {
    const sids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const t = instances[i % instances.length];
      const { tokens } = await t.signUp();
      sids.push(claimsOf(tokens.access_token).sid as string);
      await t.http.post('/auth/logout').set(bearer(tokens.access_token)).expect(204);
    }
    await until(
      async () => {
        const got = new Set(await revokedSessions());
        return sids.every((sid) => got.has(sid));
      },
      10_000,
      'a SET per logout',
    );
    // Signed with the dedicated Ed25519 key published beside the (HS256) token key.
    const jwks = (await instances[0].http.get('/.well-known/jwks.json').expect(200)).body;
    expect(jwks.keys).toEqual([expect.objectContaining({ kty: 'OKP', alg: 'EdDSA', use: 'sig' })]);
    expect(receiver.received.length).toBe(new Set(await revokedSessions()).size);
    const senders = [];
    for (const t of instances) {
      const health = (await t.http.get('/health').expect(200)).body.details.set_delivery;
      senders.push(health.receivers[0].sending);
    }
    expect(senders.filter(Boolean)).toHaveLength(1);
  });

  it('does not echo a revocation made for a received signal', async () => {
    const t = instances[0];
    const echoed = await t.signUp();
    const echoedSid = claimsOf(echoed.tokens.access_token).sid as string;
    await t.http
      .post('/oauth/backchannel-logout')
      .type('form')
      .send({
        logout_token: await idp.logoutToken('sample-api', { sub: echoed.user.id, sid: echoedSid }),
      })
      .expect(200);
    // A later revocation is sent: once it arrived, the earlier one would have too.
    const marker = await t.signUp();
    const markerSid = claimsOf(marker.tokens.access_token).sid as string;
    await t.http.post('/auth/logout').set(bearer(marker.tokens.access_token)).expect(204);
    await until(
      async () => (await revokedSessions()).includes(markerSid),
      10_000,
      'the marker SET',
    );
    expect(await revokedSessions()).not.toContain(echoedSid);
    expect(await t.guardStatus(echoed.tokens.access_token)).toBe(401);
  });
});
