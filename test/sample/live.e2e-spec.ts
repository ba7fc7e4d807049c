import { LiveConnectionRegistry, SessionService } from 'nestjs-jwt-revocation';
import { HttpAdapterKind } from '../../apps/sample/src/config/sample.config';
import { DatabaseKind } from '../support/databases';
import { until } from '../support/until';
import { LiveSocketClient, listen, SseClient, within } from './support/live-clients';
import { bearer, claimsOf, SampleTestApp, sampleMatrix, Tokens } from './support/sample-app';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

const REVOKED = { code: 4401, reason: 'token_revoked' };
/** A role change refreshes claims: the session lives on, and the reason tells the client to refresh. */
const closedBy = (trigger: string) =>
  trigger === 'role change' ? { code: 4401, reason: 'claims_changed' } : REVOKED;

/** The ways the sample revokes a signed-in user's tokens, each driven through its HTTP API. */
const triggers: [string, (t: SampleTestApp, id: string, tokens: Tokens) => Promise<unknown>][] = [
  ['logout', (t, _id, tokens) => t.http.post('/auth/logout').set(bearer(tokens.access_token))],
  [
    'password change',
    (t, _id, tokens) =>
      t.http
        .post('/me/password')
        .set(bearer(tokens.access_token))
        .send({ current_password: 'password-123', new_password: 'another-password-456' })
        .expect(200),
  ],
  [
    'role change',
    async (t, id) =>
      t.http
        .put(`/admin/users/${id}/roles`)
        .set(bearer((await t.loginAdmin()).access_token))
        .send({ roles: ['user', 'auditor'] })
        .expect(200),
  ],
  [
    'suspension',
    async (t, id) =>
      t.http
        .post(`/admin/users/${id}/suspend`)
        .set(bearer((await t.loginAdmin()).access_token))
        .expect(204),
  ],
  [
    'deletion',
    async (t, id) =>
      t.http
        .delete(`/admin/users/${id}`)
        .set(bearer((await t.loginAdmin()).access_token))
        .expect(204),
  ],
];

describe.each(sampleMatrix())(
  'live connections end with the token on %s (%s)',
  (kind: DatabaseKind, adapter: HttpAdapterKind) => {
    let t: SampleTestApp;
    let port: number;

    beforeAll(async () => {
      t = await SampleTestApp.start(kind, adapter);
      port = await listen(t);
    });
    afterAll(() => t?.close());

    describe('WebSocket /live/notifications', () => {
      it('accepts the token offered as the bearer. subprotocol and answers with the real one', async () => {
        const { user, tokens } = await t.signUp();
        const client = LiveSocketClient.open(port, tokens.access_token);
        expect(await client.ready).toEqual({
          event: 'ready',
          data: expect.objectContaining({ sub: user.id }),
        });
        expect(client.socket.protocol).toBe('notifications.v1');
        client.send('ping');
        expect((await client.next('pong')).data).toEqual({ exp: expect.any(Number) });
        client.terminate();
        await client.closed;
        await until(() => t.app.get(LiveConnectionRegistry).size === 0, 1000, 'unregistered');
      });

      it.each([
        ['no token', undefined, 'token_required'],
        ['a malformed token', 'not-a-jwt', 'invalid_token'],
      ])('refuses %s with 4401', async (_name, token, reason) => {
        const client = LiveSocketClient.open(port, token);
        expect(await client.closed).toEqual({ code: 4401, reason });
      });

      it('refuses a token with a forged signature', async () => {
        const { tokens } = await t.signUp();
        const [header, payload] = tokens.access_token.split('.');
        const client = LiveSocketClient.open(port, `${header}.${payload}.${'A'.repeat(43)}`);
        expect(await client.closed).toEqual({ code: 4401, reason: 'invalid_token' });
      });

      it('refuses a revoked token', async () => {
        const { tokens } = await t.signUp();
        await t.http.post('/auth/logout').set(bearer(tokens.access_token)).expect(204);
        const client = LiveSocketClient.open(port, tokens.access_token);
        expect(await client.closed).toEqual(REVOKED);
      });

      it.each(triggers)('is closed with 4401 after %s', async (name, revoke) => {
        const { user, tokens } = await t.signUp();
        const client = LiveSocketClient.open(port, tokens.access_token);
        await client.ready;
        await revoke(t, user.id, tokens);
        expect(await within(client.closed, 2000, 'socket closed')).toEqual(closedBy(name));
      });

      it('keeps the sockets of other sessions open when one session logs out', async () => {
        const { user, tokens } = await t.signUp();
        const other = await t.login(user.email, user.password);
        const ended = LiveSocketClient.open(port, tokens.access_token);
        const kept = LiveSocketClient.open(port, other.access_token);
        await Promise.all([ended.ready, kept.ready]);
        await t.http.post('/auth/logout').set(bearer(tokens.access_token)).expect(204);
        expect(await within(ended.closed, 2000, 'socket closed')).toEqual(REVOKED);
        kept.send('ping');
        await kept.next('pong');
        kept.terminate();
      });

      it('switches to a newer token of the same user in-band, and refuses another user’s', async () => {
        const { user, tokens } = await t.signUp();
        const client = LiveSocketClient.open(port, tokens.access_token);
        await client.ready;
        const newer = await t.login(user.email, user.password);
        client.send('reauthenticate', { token: newer.access_token });
        expect((await client.next('reauthenticated')).data).toEqual({ exp: expect.any(Number) });
        // The socket now runs on the newer session: ending the first one leaves it open.
        await t.http.post('/auth/logout').set(bearer(tokens.access_token)).expect(204);
        client.send('ping');
        await client.next('pong');
        const stranger = await t.signUp();
        client.send('reauthenticate', { token: stranger.tokens.access_token });
        expect(await within(client.closed, 2000, 'socket closed')).toEqual({
          code: 4401,
          reason: 'invalid_token',
        });
      });
    });

    describe('SSE GET /me/events', () => {
      it('refuses a missing or revoked token with 401', async () => {
        const missing = new SseClient(port, undefined);
        await missing.ended;
        expect(missing.status).toBe(401);
        const { tokens } = await t.signUp();
        await t.http.post('/auth/logout').set(bearer(tokens.access_token)).expect(204);
        const revoked = new SseClient(port, tokens.access_token);
        await revoked.ended;
        expect(revoked.status).toBe(401);
      });

      it('refuses a malformed token and a forged signature with 401', async () => {
        const { tokens } = await t.signUp();
        const [header, payload] = tokens.access_token.split('.');
        for (const token of ['not-a-jwt', `${header}.${payload}.${'A'.repeat(43)}`]) {
          const stream = new SseClient(port, token);
          await within(stream.ended, 2000, 'refused');
          expect(stream.status).toBe(401);
          expect(stream.events).toEqual([]);
        }
      });

      it.each(triggers)('ends with event: revoked after %s', async (name, revoke) => {
        const { user, tokens } = await t.signUp();
        const stream = new SseClient(port, tokens.access_token);
        await until(() => stream.events.includes('ready'), 2000, 'ready event');
        expect(stream.status).toBe(200);
        await revoke(t, user.id, tokens);
        await within(stream.ended, 2000, 'stream ended');
        expect(stream.events).toEqual(['ready', 'revoked']);
        expect(stream.body).toContain(`data: {"reason":"${closedBy(name).reason}"}`);
      });
    });
  },
);

describe.each(
  [['sqlite', 'express'] as const, ['sqlite', 'fastify'] as const].filter(([kind]) =>
    sampleMatrix().some(([k]) => k === kind),
  ),
)('live connections end when the token expires on %s (%s)', (kind, adapter) => {
  let t: SampleTestApp;
  let port: number;

  beforeAll(async () => {
    t = await SampleTestApp.start(kind, adapter, { ACCESS_TOKEN_TTL: '3' });
    port = await listen(t);
  });
  afterAll(() => t?.close());

  it('closes the WebSocket with 4401 token_expired', async () => {
    const { tokens } = await t.signUp();
    const client = LiveSocketClient.open(port, tokens.access_token);
    await client.ready;
    expect(await within(client.closed, 4000, 'socket closed')).toEqual({
      code: 4401,
      reason: 'token_expired',
    });
  });

  it('ends the SSE stream with event: expired', async () => {
    const { tokens } = await t.signUp();
    const stream = new SseClient(port, tokens.access_token);
    await within(stream.ended, 4000, 'stream ended');
    expect(stream.events).toEqual(['ready', 'expired']);
  });

  it('keeps a socket that re-authenticated before expiry open past the first token', async () => {
    const { user, tokens } = await t.signUp();
    const client = LiveSocketClient.open(port, tokens.access_token);
    await client.ready;
    const opened = Date.now();
    const { roles, exp } = claimsOf(tokens.access_token) as { roles: string[]; exp: number };
    // The close timer runs in real time from the open, for what the (standing) manual clock says is
    // left of the first token: between 2 and 3 s with a 3 s lifetime and whole-second exp.
    const firstExpiry = opened + exp * 1000 - t.clock.now();
    await sleep(firstExpiry - 1000 - Date.now());
    // The manual clock follows real time here, so the newer token expires later than the first.
    await t.advance(Date.now() - opened);
    // Issued as the login issues it, without a password hash that may outlast the first token.
    const newer = await t.app.get(SessionService).issue(user.id, { roles });
    client.send('reauthenticate', { token: newer.accessToken });
    await client.next('reauthenticated', 5000);
    await sleep(firstExpiry + 300 - Date.now());
    client.send('ping');
    await client.next('pong', 5000);
    expect(await within(client.closed, 8000, 'socket closed')).toEqual({
      code: 4401,
      reason: 'token_expired',
    });
  });
});
