import { randomBytes } from 'node:crypto';
import { REDIS_URL } from '../support/redis-server';
import { createTestDatabase, DatabaseKind, TestDatabase } from '../support/databases';
import { until } from '../support/until';
import { bearer, claimsOf, SampleTestApp, Tokens } from '../sample/support/sample-app';
import type { HttpAdapterKind } from '../../apps/sample/src/config/sample.config';
import { payloadOf, SimulatedIdp, unsigned } from './support/simulated-idp';

const AUDIENCE = 'sample-api';
const CAEP = 'https://schemas.openid.net/secevent/caep/event-type/';
const RISC = 'https://schemas.openid.net/secevent/risc/event-type/';
const SECEVENT = 'application/secevent+jwt';
const FORM = 'application/x-www-form-urlencoded';
/** Propagation bound across instances (1 s) plus margin for a loaded machine. */
const BOUND_MS = 3000;

/** Postgres behind two instances sharing Redis; SQLite on one instance. */
const setups: [string, DatabaseKind, HttpAdapterKind, number, Record<string, string>][] = [
  [
    'two instances on Postgres + Redis',
    'postgres',
    'fastify',
    2,
    { REVOCATION_TRANSPORT: 'redis', REDIS_URL },
  ],
  ['one instance on SQLite', 'sqlite', 'express', 1, {}],
];

describe.each(setups)('signals received: %s', (_name, kind, adapter, count, transportEnv) => {
  let idp: SimulatedIdp;
  let database: TestDatabase;
  let instances: SampleTestApp[];
  let a: SampleTestApp;

  beforeAll(async () => {
    idp = await SimulatedIdp.start();
    database = await createTestDatabase(kind);
    const env = {
      JWT_SECRET: randomBytes(32).toString('hex'),
      REDIS_CHANNEL: `signals:${randomBytes(4).toString('hex')}`,
      OIDC_BACKCHANNEL_ISSUER: idp.issuer,
      OIDC_BACKCHANNEL_JWKS_URL: idp.jwksUrl,
      OIDC_BACKCHANNEL_AUDIENCE: AUDIENCE,
      SSF_TRANSMITTER_ISSUER: idp.issuer,
      SSF_TRANSMITTER_JWKS_URL: idp.jwksUrl,
      SSF_TRANSMITTER_AUDIENCE: AUDIENCE,
      ...transportEnv,
    };
    instances = [];
    for (let i = 0; i < count; i++) {
      instances.push(await SampleTestApp.start(kind, adapter, env, { database, realClock: true }));
    }
    a = instances[0];
  }, 60_000);
  afterAll(async () => {
    // The measured figure: from the 200/202 answer to a 401 on every instance.
    process.stdout.write(
      `signals ${_name}: enforced everywhere within max ${Math.max(...delays)} ms over ${delays.length} signals\n`,
    );
    for (const instance of instances ?? []) await instance.close();
    await database?.drop();
    await idp?.close();
  });

  const delays: number[] = [];
  /** Resolves once every instance refuses the token; fails past the bound. */
  const enforcedEverywhere = async (tokens: Tokens) => {
    const delay = await until(
      async () => {
        for (const t of instances)
          if ((await t.guardStatus(tokens.access_token)) !== 401) return false;
        return true;
      },
      BOUND_MS,
      'revoked on every instance',
    );
    delays.push(delay);
  };
  const stillValidEverywhere = async (tokens: Tokens) => {
    for (const t of instances) expect(await t.guardStatus(tokens.access_token)).toBe(200);
  };
  const logout = (token: string) =>
    a.http.post('/oauth/backchannel-logout').type(FORM).send({ logout_token: token });
  const push = (token: string, type = SECEVENT) =>
    a.http.post('/ssf/events').set('Content-Type', type).send(token);

  describe('OIDC back-channel logout', () => {
    it('a logout token naming the user (sub = email) ends all of their sessions on every instance', async () => {
      const { user, tokens } = await a.signUp();
      const other = await a.login(user.email, user.password);
      const bystander = await a.signUp();
      const res = await logout(await idp.logoutToken(AUDIENCE, { sub: user.email }));
      expect(res.status).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      await enforcedEverywhere(tokens);
      await enforcedEverywhere(other);
      await stillValidEverywhere(bystander.tokens);
    });

    it('sub + sid end that session only', async () => {
      const { user, tokens } = await a.signUp();
      const other = await a.login(user.email, user.password);
      const sid = claimsOf(tokens.access_token).sid as string;
      await logout(await idp.logoutToken(AUDIENCE, { sub: user.id, sid })).expect(200);
      await enforcedEverywhere(tokens);
      await stillValidEverywhere(other);
    });

    it('refuses forged, replayed, wrong-audience, expired, nonce-carrying, unsigned and malformed tokens, revoking nothing', async () => {
      const { user, tokens } = await a.signUp();
      const good = await idp.logoutToken(AUDIENCE, { sub: user.id });
      const now = Math.floor(Date.now() / 1000);
      const refused: [string, string][] = [
        ['forged', await SimulatedIdp.forged(payloadOf(good), { typ: 'logout+jwt' })],
        ['wrong audience', await idp.logoutToken('someone-else', { sub: user.id })],
        [
          'expired',
          await idp.logoutToken(AUDIENCE, { sub: user.id, iat: now - 600, exp: now - 300 }),
        ],
        [
          'too old',
          await idp.logoutToken(AUDIENCE, { sub: user.id, iat: now - 3600, exp: undefined }),
        ],
        ['nonce', await idp.logoutToken(AUDIENCE, { sub: user.id, nonce: 'n-0S6_WzA2Mj' })],
        ['unsigned', unsigned(payloadOf(good), 'logout+jwt')],
        ['no events', await idp.logoutToken(AUDIENCE, { sub: user.id, events: undefined })],
        ['no sub nor sid', await idp.logoutToken(AUDIENCE, {})],
        ['an ID token type', await idp.logoutToken(AUDIENCE, { sub: user.id }, { typ: 'at+jwt' })],
        ['not a JWT', 'not-a-jwt'],
      ];
      for (const [what, token] of refused) {
        const res = await logout(token);
        expect([what, res.status, res.body.error]).toEqual([what, 400, 'invalid_request']);
        expect(res.headers['cache-control']).toBe('no-store');
      }
      await a.http.post('/oauth/backchannel-logout').type(FORM).send({}).expect(400);
      await stillValidEverywhere(tokens);

      await logout(good).expect(200);
      await enforcedEverywhere(tokens);
      const replay = await logout(good);
      expect(replay.status).toBe(400);
      expect(replay.body.error_description).toMatch(/replay/);
      // The replay guard is shared: the other instance refuses it too.
      const last = instances[instances.length - 1];
      await last.http
        .post('/oauth/backchannel-logout')
        .type(FORM)
        .send({ logout_token: good })
        .expect(400);
      // A replay must not end a session opened after the logout.
      const later = await a.login(user.email, user.password);
      await logout(good).expect(400);
      await stillValidEverywhere(later);
    });
  });

  describe('SSF push (CAEP / RISC)', () => {
    it('CAEP session-revoked with a complex subject ends that session', async () => {
      const { user, tokens } = await a.signUp();
      const other = await a.login(user.email, user.password);
      const sid = claimsOf(tokens.access_token).sid as string;
      const res = await push(
        await idp.set(AUDIENCE, `${CAEP}session-revoked`, {
          format: 'complex',
          user: { format: 'email', email: user.email },
          session: { format: 'opaque', id: sid },
        }),
      );
      expect(res.status).toBe(202);
      await enforcedEverywhere(tokens);
      await stillValidEverywhere(other);
    });

    it.each([
      ['CAEP credential-change', `${CAEP}credential-change`, 'email'],
      ['RISC account-disabled', `${RISC}account-disabled`, 'email'],
      ['RISC account-purged', `${RISC}account-purged`, 'opaque'],
      ['RISC sessions-revoked', `${RISC}sessions-revoked`, 'iss_sub'],
    ])('%s ends every session of the user', async (_what, event, format) => {
      const { user, tokens } = await a.signUp();
      const subject =
        format === 'email'
          ? { format, email: user.email }
          : format === 'iss_sub'
            ? { format, iss: idp.issuer, sub: user.id }
            : { format, id: user.id };
      await push(await idp.set(AUDIENCE, event, subject)).expect(202);
      await enforcedEverywhere(tokens);
    });

    it('CAEP token-claims-change refuses earlier access tokens everywhere, and the session lives on', async () => {
      const { user, tokens } = await a.signUp();
      const subject = { format: 'iss_sub', iss: idp.issuer, sub: user.id };
      await push(await idp.set(AUDIENCE, `${CAEP}token-claims-change`, subject)).expect(202);
      await enforcedEverywhere(tokens);
      const refreshed = await a.http
        .post('/auth/refresh')
        .send({ refresh_token: tokens.refresh_token })
        .expect(200);
      for (const t of instances) {
        expect(await t.guardStatus(refreshed.body.access_token as string)).toBe(200);
      }
    });

    it('refuses bad SETs with the RFC 8935 error codes, revoking nothing', async () => {
      const { user, tokens } = await a.signUp();
      const subject = { format: 'email', email: user.email };
      const good = await idp.set(AUDIENCE, `${RISC}account-disabled`, subject);
      const refused: [string, string, string, number, string][] = [
        [
          'forged',
          await SimulatedIdp.forged(payloadOf(good), { typ: 'secevent+jwt' }),
          SECEVENT,
          400,
          'invalid_key',
        ],
        [
          'wrong audience',
          await idp.set('other', `${RISC}account-disabled`, subject),
          SECEVENT,
          400,
          'invalid_audience',
        ],
        [
          'unknown issuer',
          await idp.set(AUDIENCE, `${RISC}account-disabled`, subject, {
            iss: 'https://evil.example',
          }),
          SECEVENT,
          400,
          'invalid_issuer',
        ],
        ['unsigned', unsigned(payloadOf(good), 'secevent+jwt'), SECEVENT, 400, 'invalid_request'],
        [
          'expired',
          await idp.set(AUDIENCE, `${RISC}account-disabled`, subject, {
            exp: Math.floor(Date.now() / 1000) - 300,
          }),
          SECEVENT,
          400,
          'invalid_request',
        ],
        [
          'untyped',
          await idp.set(AUDIENCE, `${RISC}account-disabled`, subject, {}, { typ: 'JWT' }),
          SECEVENT,
          400,
          'invalid_request',
        ],
        [
          'no subject',
          await idp.set(AUDIENCE, `${RISC}account-disabled`, { format: 'email' }),
          SECEVENT,
          400,
          'invalid_request',
        ],
        ['wrong media type', good, 'application/json', 400, 'invalid_request'],
      ];
      for (const [what, token, type, status, err] of refused) {
        const res = await push(token, type === 'application/json' ? 'text/plain' : type);
        expect([what, res.status, res.body.err]).toEqual([what, status, err]);
        expect(typeof res.body.description).toBe('string');
      }
      await stillValidEverywhere(tokens);
      await push(good).expect(202);
      await enforcedEverywhere(tokens);
      const replay = await push(good);
      expect([replay.status, replay.body.err]).toEqual([400, 'invalid_request']);
    });
  });

  it('every received signal is in the audit trail with its issuer and jti', async () => {
    const { user, tokens } = await a.signUp();
    const token = await idp.logoutToken(AUDIENCE, { sub: user.id });
    const jti = payloadOf(token).jti!;
    await logout(token).expect(200);
    await enforcedEverywhere(tokens);
    const admin = await a.loginAdmin();
    const signals = await a.http
      .get('/admin/signals')
      .query({ jti })
      .set(bearer(admin.access_token))
      .expect(200);
    expect(signals.body.entries).toEqual([
      expect.objectContaining({
        direction: 'received',
        protocol: 'backchannel-logout',
        issuer: idp.issuer,
        jti,
        outcome: 'revoked',
        revoked: 1,
      }),
    ]);
    const revocations = await a.http
      .get('/admin/revocations')
      .query({ target: user.id })
      .set(bearer(admin.access_token))
      .expect(200);
    expect(revocations.body.entries[0]).toEqual(
      expect.objectContaining({
        reason: 'idp_logout',
        actor: `backchannel-logout ${idp.issuer} jti=${jti}`,
      }),
    );
    const metrics = await a.http.get('/metrics').expect(200);
    expect(metrics.text).toMatch(
      /jwt_revocation_signals_received_total\{protocol="backchannel-logout",outcome="revoked"\} [1-9]/,
    );
    await logout(token).expect(400);
    const after = await a.http.get('/metrics').expect(200);
    expect(after.text).toMatch(
      /jwt_revocation_signals_received_total\{protocol="backchannel-logout",outcome="replayed"\} [1-9]/,
    );
  });
});
