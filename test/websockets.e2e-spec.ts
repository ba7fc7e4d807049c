import { EventEmitter2 } from '@nestjs/event-emitter';
import {
  JwtRevocationEvents,
  LiveConnectionRegistry,
  MemoryRevocationStore,
  RevocationService,
  SessionService,
} from 'nestjs-jwt-revocation';
import type { JwtRevocationModuleOptions } from 'nestjs-jwt-revocation';
import {
  FIRST_MESSAGE_TIMEOUT_MS,
  LiveGatewayApp,
  SocketAdapterKind,
} from './support/live-gateways';
import { until } from './support/until';

const SECRET = 'websockets-e2e-secret-that-is-at-least-32-bytes';

/** The library's revocation triggers, emitted as an app emits them. */
const triggers: [string, string, (userId: string, sessionId: string) => object, string][] = [
  [
    'logout',
    JwtRevocationEvents.LoggedOut,
    (userId, sessionId) => ({ userId, sessionId }),
    'token_revoked',
  ],
  [
    'password change',
    JwtRevocationEvents.PasswordChanged,
    (userId) => ({ userId }),
    'token_revoked',
  ],
  // A role change keeps the session: the client refreshes its token and reconnects.
  [
    'role change',
    JwtRevocationEvents.RolesChanged,
    (userId) => ({ userId, roles: ['user'] }),
    'claims_changed',
  ],
  ['suspension', JwtRevocationEvents.AccountSuspended, (userId) => ({ userId }), 'token_revoked'],
  ['deletion', JwtRevocationEvents.AccountDeleted, (userId) => ({ userId }), 'token_revoked'],
];

const adapters: SocketAdapterKind[] = ['ws', 'socket.io'];

/** The gateways on the in-memory store, no polling (revocations here are local). */
const startApp = (kind: SocketAdapterKind, options: JwtRevocationModuleOptions = {}) =>
  LiveGatewayApp.start(kind, {
    secret: SECRET,
    store: new MemoryRevocationStore(),
    pollInterval: 0,
    ...options,
  });
let nextUser = 0;
const newUser = () => `user-${++nextUser}`;

describe.each(adapters)('%s gateways with LiveSocketAuthenticator', (kind) => {
  let t: LiveGatewayApp;
  let sessions: SessionService;

  beforeAll(async () => {
    t = await startApp(kind);
    sessions = t.app.get(SessionService);
  });
  afterAll(() => t?.close());

  describe('at connection', () => {
    it('accepts a valid token and answers guarded messages', async () => {
      const subject = newUser();
      const client = t.connect('feed', (await sessions.issue(subject)).accessToken);
      expect(await client.next('ready')).toEqual({ sub: subject });
      client.emit('whoami');
      expect(await client.next('you')).toEqual({ sub: subject });
    });

    it.each([
      ['no token', undefined, 'token_required'],
      ['a malformed token', 'not-a-jwt', 'invalid_token'],
    ])('refuses %s with 4401', async (_name, token, reason) => {
      expect(await t.connect('feed', token).closed()).toEqual(t.ended(4401, reason));
    });

    it('refuses a token with a forged signature with 4401 invalid_token', async () => {
      const [header, payload] = (await sessions.issue(newUser())).accessToken.split('.');
      const forged = t.connect('feed', `${header}.${payload}.${'A'.repeat(43)}`);
      expect(await forged.closed()).toEqual(t.ended(4401, 'invalid_token'));
    });

    it('refuses a revoked token with 4401 token_revoked', async () => {
      const pair = await sessions.issue(newUser());
      await t.app.get(RevocationService).revokeSession(pair.sessionId, { reason: 'logout' });
      expect(await t.connect('feed', pair.accessToken).closed()).toEqual(
        t.ended(4401, 'token_revoked'),
      );
    });
  });

  describe('roles (@AuthorizeSocket)', () => {
    it('refuses a connection to a gateway without its role with 4403 insufficient_scope', async () => {
      const user = await sessions.issue(newUser(), { roles: ['user'] });
      expect(await t.connect('staff', user.accessToken).closed()).toEqual(
        t.ended(4403, 'insufficient_scope'),
      );
      // A handler's role does not open the gateway: `audit` needs auditor, the gateway staff.
      const auditor = await sessions.issue(newUser(), { roles: ['auditor'] });
      expect(await t.connect('staff', auditor.accessToken).closed()).toEqual(
        t.ended(4403, 'insufficient_scope'),
      );
    });

    it('applies the gateway’s roles to its messages, and a handler’s roles instead of them', async () => {
      const staff = t.connect(
        'staff',
        (await sessions.issue(newUser(), { roles: ['staff'] })).accessToken,
      );
      await staff.next('ready');
      staff.emit('roster');
      expect(await staff.next('roster_ok')).toEqual({ ok: true });
      staff.emit('audit');
      expect(await staff.next('exception')).toEqual(
        expect.objectContaining({ status: 'error', message: 'insufficient_scope' }),
      );
      expect(staff.has('audit_ok')).toBe(false);

      const both = await sessions.issue(newUser(), { roles: ['staff', 'auditor'] });
      const auditor = t.connect('staff', both.accessToken);
      await auditor.next('ready');
      auditor.emit('audit');
      expect(await auditor.next('audit_ok')).toEqual({ ok: true });
    });

    it('refuses a message without the handler’s role and keeps the socket open', async () => {
      const user = t.connect(
        'feed',
        (await sessions.issue(newUser(), { roles: ['user'] })).accessToken,
      );
      await user.next('ready');
      user.emit('admin');
      expect(await user.next('exception')).toEqual(
        expect.objectContaining({ message: 'insufficient_scope' }),
      );
      user.emit('whoami');
      await user.next('you');
      expect(user.has('admin_ok')).toBe(false);

      const admin = t.connect(
        'feed',
        (await sessions.issue(newUser(), { roles: ['admin'] })).accessToken,
      );
      await admin.next('ready');
      admin.emit('admin');
      expect(await admin.next('admin_ok')).toEqual({ ok: true });
    });

    it('closes a socket that re-authenticates with a token lacking the gateway’s role (4403)', async () => {
      const subject = newUser();
      const staff = t.connect(
        'staff',
        (await sessions.issue(subject, { roles: ['staff'] })).accessToken,
      );
      await staff.next('ready');
      const demoted = await sessions.issue(subject, { roles: ['user'] });
      staff.emit('reauthenticate', { token: demoted.accessToken });
      expect(await staff.closed()).toEqual(t.ended(4403, 'insufficient_scope'));
    });
  });

  describe('after the connection', () => {
    it.each(triggers)('is closed with 4401 after %s', async (_name, event, payload, reason) => {
      const subject = newUser();
      const pair = await sessions.issue(subject);
      const client = t.connect('feed', pair.accessToken);
      await client.next('ready');
      await t.app.get(EventEmitter2).emitAsync(event, payload(subject, pair.sessionId));
      expect(await client.closed()).toEqual(t.ended(4401, reason));
    });

    it('keeps the sockets of the user’s other sessions open after a logout', async () => {
      const subject = newUser();
      const [ending, staying] = [await sessions.issue(subject), await sessions.issue(subject)];
      const ended = t.connect('feed', ending.accessToken);
      const kept = t.connect('feed', staying.accessToken);
      await Promise.all([ended.next('ready'), kept.next('ready')]);
      await t.app
        .get(EventEmitter2)
        .emitAsync(JwtRevocationEvents.LoggedOut, { userId: subject, sessionId: ending.sessionId });
      expect(await ended.closed()).toEqual(t.ended(4401, 'token_revoked'));
      kept.emit('whoami');
      expect(await kept.next('you')).toEqual({ sub: subject });
    });

    it('renews in-band, then runs on the newer session, and is forgotten when the client leaves', async () => {
      const subject = newUser();
      const first = await sessions.issue(subject);
      const client = t.connect('feed', first.accessToken);
      await client.next('ready');
      const second = await sessions.issue(subject);
      client.emit('reauthenticate', { token: second.accessToken });
      expect(await client.next('reauthenticated')).toEqual({ exp: expect.any(Number) });
      await t.app.get(RevocationService).revokeSession(first.sessionId, { reason: 'logout' });
      client.emit('whoami');
      expect(await client.next('you')).toEqual({ sub: subject });
      const registry = t.app.get(LiveConnectionRegistry);
      const before = registry.size;
      client.leave();
      await until(() => registry.size === before - 1, 2000, 'unregistered');
    });

    it('closes a socket that re-authenticates with another user’s token (4401 invalid_token)', async () => {
      const client = t.connect('feed', (await sessions.issue(newUser())).accessToken);
      await client.next('ready');
      const stranger = await sessions.issue(newUser());
      client.emit('reauthenticate', { token: stranger.accessToken });
      expect(await client.closed()).toEqual(t.ended(4401, 'invalid_token'));
    });
  });
});

describe('ws gateway taking the token as the first message (authenticateFirstMessage)', () => {
  let t: LiveGatewayApp;
  let sessions: SessionService;

  beforeAll(async () => {
    t = await startApp('ws');
    sessions = t.app.get(SessionService);
  });
  afterAll(() => t?.close());

  it('accepts the token of an authenticate first message, and closes the socket on logout', async () => {
    const subject = newUser();
    const pair = await sessions.issue(subject);
    const client = t.connect('inbox');
    client.emit('authenticate', { token: pair.accessToken });
    expect(await client.next('ready')).toEqual({ sub: subject });
    client.emit('whoami');
    expect(await client.next('you')).toEqual({ sub: subject });
    await t.app
      .get(EventEmitter2)
      .emitAsync(JwtRevocationEvents.LoggedOut, { userId: subject, sessionId: pair.sessionId });
    expect(await client.closed()).toEqual(t.ended(4401, 'token_revoked'));
  });

  it('still accepts the bearer. subprotocol', async () => {
    const subject = newUser();
    const client = t.connect('inbox', (await sessions.issue(subject)).accessToken);
    expect(await client.next('ready')).toEqual({ sub: subject });
  });

  it('refuses messages before the token, and another first message (4401 token_required)', async () => {
    const client = t.connect('inbox');
    client.emit('whoami');
    expect(await client.closed()).toEqual(t.ended(4401, 'token_required'));
    expect(client.has('you')).toBe(false);
  });

  it('closes a socket that sends nothing in time (4401 token_required)', async () => {
    const client = t.connect('inbox');
    const opened = Date.now();
    expect(await client.closed()).toEqual(t.ended(4401, 'token_required'));
    expect(Date.now() - opened).toBeGreaterThanOrEqual(FIRST_MESSAGE_TIMEOUT_MS - 50);
  });

  it('refuses a revoked or invalid first-message token like a subprotocol one', async () => {
    const pair = await sessions.issue(newUser());
    await t.app.get(RevocationService).revokeSession(pair.sessionId, { reason: 'logout' });
    const revoked = t.connect('inbox');
    revoked.emit('authenticate', { token: pair.accessToken });
    expect(await revoked.closed()).toEqual(t.ended(4401, 'token_revoked'));
    const invalid = t.connect('inbox');
    invalid.emit('authenticate', { token: 'not-a-jwt' });
    expect(await invalid.closed()).toEqual(t.ended(4401, 'invalid_token'));
  });
});

describe.each(adapters)('%s gateways when the token expires', (kind) => {
  let t: LiveGatewayApp;

  beforeAll(async () => {
    t = await startApp(kind, { accessTokenTtl: 2 });
  });
  afterAll(() => t?.close());

  it('closes the socket with 4401 token_expired', async () => {
    const pair = await t.app.get(SessionService).issue(newUser());
    const client = t.connect('feed', pair.accessToken);
    await client.next('ready');
    const { exp } = JSON.parse(
      Buffer.from(pair.accessToken.split('.')[1], 'base64url').toString(),
    ) as { exp: number };
    expect(await client.closed(6000)).toEqual(t.ended(4401, 'token_expired'));
    // Not before the token's expiry, and not long after it (a loaded machine may lag).
    expect(Date.now()).toBeGreaterThanOrEqual(exp * 1000 - 20);
    expect(Date.now()).toBeLessThan(exp * 1000 + 3000);
  });
});
