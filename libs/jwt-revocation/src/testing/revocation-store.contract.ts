/// <reference types="jest" />
import type {
  RevocationChange,
  RevocationSnapshot,
  RevocationCommand,
  RevocationStore,
  RevocationTarget,
  RevocationTransaction,
  SessionRecord,
} from '../storage/revocation-store.interface';

/** A store under test and how to dispose of it. */
export interface StoreUnderTest {
  store: RevocationStore;
  teardown(): Promise<void>;
  /**
   * For stores that join a caller's transaction (`revoke(command, transaction)` and `afterCommit`):
   * runs `work` in a transaction of the store's database, committing when it resolves and rolling
   * back when it throws. The transaction tests run only when it is given.
   */
  transaction?<T>(work: (transaction: RevocationTransaction) => Promise<T>): Promise<T>;
}

const T0 = 1_800_000_000_000;
const MINUTE = 60_000;
const TOKEN_LIFETIME = 15 * MINUTE;
const SESSION_LIFETIME = 30 * 24 * 60 * MINUTE;

/** Every change of a snapshot, its batches read through. */
export async function snapshotChanges(snapshot: RevocationSnapshot): Promise<RevocationChange[]> {
  const all: RevocationChange[] = [];
  for await (const batch of snapshot.changes) all.push(...batch);
  return all;
}

let counter = 0;
export function sessionFixture(overrides: Partial<SessionRecord> = {}): SessionRecord {
  counter++;
  return {
    id: `sid-${counter}-${Math.random().toString(36).slice(2, 8)}`,
    subject: 'user-1',
    roles: ['user'],
    createdAt: T0,
    lastSeenAt: T0,
    expiresAt: T0 + 60 * MINUTE,
    ip: '10.0.0.1',
    lastIp: '10.0.0.1',
    userAgent: 'jest',
    userVersion: 0,
    globalVersion: 0,
    claimsVersion: 0,
    refreshJti: `rt-${counter}`,
    refreshIssuedAt: T0,
    refreshExpiresAt: T0 + 30 * MINUTE,
    previousRefreshJti: null,
    rotatedAt: null,
    revokedAt: null,
    revokedReason: null,
    ...overrides,
  };
}

function command(
  target: RevocationTarget,
  at = T0,
  reason = 'admin',
  actor: string | null = 'tester',
): RevocationCommand {
  return {
    target,
    reason,
    actor,
    at,
    tokenLifetimeMs: TOKEN_LIFETIME,
    sessionLifetimeMs: SESSION_LIFETIME,
  };
}

/**
 * The behaviour every `RevocationStore` adapter must show: durable revocations, versions, sessions,
 * atomic refresh rotation, the ordered change log, snapshots, audit and purge. Call it inside a
 * `describe` of a Jest (or Jest-compatible) test file: it registers `beforeEach`/`afterEach` and
 * `it` blocks through the test runner's globals, and imports nothing from it.
 *
 * `setup` runs before every test and must return an empty store; `teardown` runs after it. Give
 * `{ transactions: true }` for a store that joins callers' transactions (its `setup` then returns
 * `transaction` too).
 *
 * @example
 * ```ts
 * import { revocationStoreContract } from 'nestjs-jwt-revocation/testing';
 * import { MyRevocationStore } from './my-revocation.store';
 *
 * describe('MyRevocationStore', () => {
 *   revocationStoreContract(async () => {
 *     const store = new MyRevocationStore(await freshDatabase());
 *     return { store, teardown: () => store.close() };
 *   });
 * });
 * ```
 */
export function revocationStoreContract(
  setup: () => Promise<StoreUnderTest>,
  options: { transactions?: boolean } = {},
): void {
  let sut: StoreUnderTest;
  let store: RevocationStore;

  beforeEach(async () => {
    sut = await setup();
    store = sut.store;
  });
  afterEach(async () => {
    await sut.teardown();
  });

  it('starts empty', async () => {
    const snapshot = await store.loadSnapshot(T0);
    expect({ ...snapshot, changes: await snapshotChanges(snapshot) }).toEqual({
      cursor: 0,
      changes: [],
      userVersions: [],
      claimsVersions: [],
      globalVersion: 0,
      globalRevokedAt: 0,
    });
    expect(await store.versions('nobody')).toEqual({ user: 0, global: 0, claims: 0 });
    await expect(store.ping()).resolves.toBeUndefined();
  });

  it('keeps a revoked jti in the snapshot until it expires', async () => {
    const outcome = await store.revoke(
      command({ kind: 'jti', jti: 'j1', expiresAt: T0 + TOKEN_LIFETIME }),
    );
    expect(outcome.count).toBe(1);
    expect(outcome.changes).toEqual([
      expect.objectContaining({ kind: 'jti', target: 'j1', expiresAt: T0 + TOKEN_LIFETIME }),
    ]);
    const live = await store.loadSnapshot(T0 + TOKEN_LIFETIME - 1);
    expect((await snapshotChanges(live)).map((c) => c.target)).toEqual(['j1']);
    expect(live.cursor).toBe(outcome.changes[0].seq);
    const later = await store.loadSnapshot(T0 + TOKEN_LIFETIME);
    expect(await snapshotChanges(later)).toEqual([]);
  });

  it('returns targets intact in the snapshot, whatever characters they hold', async () => {
    const targets = [
      'plain',
      'with space',
      ' leading',
      'ünïcødé 😀',
      'quote"back\\slash',
      '12 34',
      'tab\tnew\nline\rreturn',
      '\\N',
      '\\t not a tab',
      'trailing\\',
      'controls \b\f\v',
      "it's,a;csv|row",
    ];
    for (const jti of targets) {
      await store.revoke(command({ kind: 'jti', jti, expiresAt: T0 + TOKEN_LIFETIME }));
    }
    const changes = await snapshotChanges(await store.loadSnapshot(T0));
    expect(changes.map((c) => c.target).sort()).toEqual([...targets].sort());
    expect(changes).toHaveLength(targets.length);
    for (const change of changes) {
      expect(change).toEqual({
        seq: expect.any(Number),
        kind: 'jti',
        target: change.target,
        version: 0,
        expiresAt: T0 + TOKEN_LIFETIME,
      });
    }
  });

  it('leaves open sessions out of the snapshot when asked (denylist mode)', async () => {
    const session = sessionFixture();
    await store.createSession(session);
    await store.revoke(command({ kind: 'jti', jti: 'j-denied', expiresAt: T0 + TOKEN_LIFETIME }));
    const all = await store.loadSnapshot(T0);
    expect((await snapshotChanges(all)).map((c) => `${c.kind}:${c.target}`).sort()).toEqual(
      ['jti:j-denied', `session-open:${session.id}`].sort(),
    );
    const denylist = await store.loadSnapshot(T0, { openSessions: false });
    expect((await snapshotChanges(denylist)).map((c) => `${c.kind}:${c.target}`)).toEqual([
      'jti:j-denied',
    ]);
    expect(denylist.cursor).toBe(all.cursor);
  });

  it('round-trips a session', async () => {
    const session = sessionFixture({
      roles: ['admin', 'user'],
      ip: null,
      lastIp: null,
      userAgent: null,
    });
    const change = await store.createSession(session);
    expect(change).toEqual(
      expect.objectContaining({
        kind: 'session-open',
        target: session.id,
        expiresAt: session.expiresAt,
      }),
    );
    expect(await store.findSession(session.id)).toEqual(session);
    expect(await store.findSession('missing')).toBeNull();
  });

  it('refuses a second session with the same id', async () => {
    const session = sessionFixture();
    await store.createSession(session);
    await expect(store.createSession({ ...session })).rejects.toThrow();
  });

  it('revokes a session once and denies it until its last access token expires', async () => {
    const session = sessionFixture();
    await store.createSession(session);
    const first = await store.revoke(
      command({ kind: 'session', sessionId: session.id }, T0 + MINUTE, 'logout'),
    );
    expect(first.count).toBe(1);
    expect(first.changes).toEqual([
      expect.objectContaining({
        kind: 'session',
        target: session.id,
        expiresAt: session.expiresAt + TOKEN_LIFETIME,
      }),
    ]);
    const stored = await store.findSession(session.id);
    expect(stored?.revokedAt).toBe(T0 + MINUTE);
    expect(stored?.revokedReason).toBe('logout');
    const again = await store.revoke(
      command({ kind: 'session', sessionId: session.id }, T0 + 2 * MINUTE),
    );
    expect(again.count).toBe(0);
    expect((await store.findSession(session.id))?.revokedAt).toBe(T0 + MINUTE);
    expect(await store.listSessions(session.subject, T0 + 3 * MINUTE)).toEqual([]);
  });

  it('denies an unknown session for the longest session lifetime', async () => {
    const outcome = await store.revoke(command({ kind: 'session', sessionId: 'ghost' }));
    expect(outcome.count).toBe(0);
    expect(outcome.changes[0]).toEqual(
      expect.objectContaining({
        kind: 'session',
        target: 'ghost',
        expiresAt: T0 + SESSION_LIFETIME + TOKEN_LIFETIME,
      }),
    );
  });

  it('revokes a user by raising a version, ending only sessions begun before it', async () => {
    const before = sessionFixture({ subject: 'alice' });
    const other = sessionFixture({ subject: 'bob' });
    await store.createSession(before);
    await store.createSession(other);
    const outcome = await store.revoke(
      command({ kind: 'user', subject: 'alice' }, T0 + MINUTE, 'password_change'),
    );
    expect(outcome.count).toBe(1);
    expect(outcome.changes).toEqual([
      expect.objectContaining({ kind: 'user', target: 'alice', version: 1, at: T0 + MINUTE }),
    ]);
    expect(await store.versions('alice')).toEqual({ user: 1, global: 0, claims: 0 });
    expect(await store.versions('bob')).toEqual({ user: 0, global: 0, claims: 0 });
    expect(await store.listSessions('alice', T0 + MINUTE)).toEqual([]);
    expect((await store.listSessions('bob', T0 + MINUTE)).map((s) => s.id)).toEqual([other.id]);

    const after = sessionFixture({ subject: 'alice', userVersion: 1 });
    await store.createSession(after);
    expect((await store.listSessions('alice', T0 + MINUTE)).map((s) => s.id)).toEqual([after.id]);
    const second = await store.revoke(command({ kind: 'user', subject: 'alice' }, T0 + 2 * MINUTE));
    expect(second.count).toBe(1);
    expect(second.changes[0].version).toBe(2);
    const snapshot = await store.loadSnapshot(T0 + 2 * MINUTE);
    expect(snapshot.userVersions).toEqual([['alice', 2, T0 + 2 * MINUTE]]);
  });

  it('revokes user-wide, globally and claims without counting when asked, auditing a null count', async () => {
    const session = sessionFixture({ subject: 'uncounted' });
    await store.createSession(session);
    const uncounted = (target: RevocationTarget, at: number) =>
      store.revoke({ ...command(target, at), count: false });
    const user = await uncounted({ kind: 'user', subject: 'uncounted' }, T0 + MINUTE);
    expect(user.count).toBeNull();
    expect(user.changes).toEqual([
      expect.objectContaining({ kind: 'user', target: 'uncounted', version: 1, at: T0 + MINUTE }),
    ]);
    expect(await store.listSessions('uncounted', T0 + MINUTE)).toEqual([]);
    const claims = await uncounted({ kind: 'claims', subject: 'uncounted' }, T0 + MINUTE);
    expect(claims.count).toBeNull();
    const global = await uncounted({ kind: 'global' }, T0 + MINUTE);
    expect(global.count).toBeNull();
    expect(await store.versions('uncounted')).toEqual({ user: 1, global: 1, claims: 1 });
    // Other kinds read each session they end, so they count anyway.
    const other = sessionFixture({ subject: 'counted', globalVersion: 1 });
    await store.createSession(other);
    expect((await uncounted({ kind: 'session', sessionId: other.id }, T0 + MINUTE)).count).toBe(1);
    expect((await store.queryAudit({ limit: 10 })).map((e) => [e.kind, e.count])).toEqual([
      ['session', 1],
      ['global', null],
      ['claims', null],
      ['user', null],
    ]);
  });

  it('keeps the time of the latest wholesale revocation, for tokens that carry no versions', async () => {
    const first = await store.revoke(command({ kind: 'user', subject: 'erin' }, T0 + 2 * MINUTE));
    // Recorded late (clocks of instances differ): the time never moves back.
    await store.revoke(command({ kind: 'user', subject: 'erin' }, T0 + MINUTE));
    await store.revoke(command({ kind: 'global' }, T0 + 3 * MINUTE));
    const snapshot = await store.loadSnapshot(T0 + 3 * MINUTE);
    expect(snapshot.userVersions).toEqual([['erin', 2, T0 + 2 * MINUTE]]);
    expect(snapshot.globalVersion).toBe(1);
    expect(snapshot.globalRevokedAt).toBe(T0 + 3 * MINUTE);
    const logged = await store.changesSince(first.changes[0].seq - 1, 10);
    expect(logged.map((c) => [c.kind, c.version, c.at])).toEqual([
      ['user', 1, T0 + 2 * MINUTE],
      ['user', 2, T0 + MINUTE],
      ['global', 1, T0 + 3 * MINUTE],
    ]);
  });

  it('raises the global version for the kill switch', async () => {
    await store.createSession(sessionFixture({ subject: 'a' }));
    await store.createSession(sessionFixture({ subject: 'b' }));
    const outcome = await store.revoke(command({ kind: 'global' }, T0 + MINUTE, 'compromised'));
    expect(outcome.count).toBe(2);
    expect(outcome.changes).toEqual([
      expect.objectContaining({ kind: 'global', version: 1, at: T0 + MINUTE }),
    ]);
    expect((await store.loadSnapshot(T0 + MINUTE)).globalVersion).toBe(1);
    expect(await store.listSessions('a', T0 + MINUTE)).toEqual([]);
    expect((await store.revoke(command({ kind: 'global' }, T0 + MINUTE))).changes[0].version).toBe(
      2,
    );
  });

  it('revokes every active session seen from an IP', async () => {
    const created = sessionFixture({ ip: '203.0.113.9', lastIp: '10.0.0.2' });
    const refreshed = sessionFixture({ subject: 'bob', ip: '10.0.0.3', lastIp: '203.0.113.9' });
    const elsewhere = sessionFixture({ subject: 'carol', ip: '10.0.0.4', lastIp: '10.0.0.4' });
    for (const s of [created, refreshed, elsewhere]) await store.createSession(s);
    const outcome = await store.revoke(
      command({ kind: 'ip', ip: '203.0.113.9' }, T0 + MINUTE, 'suspicious_activity'),
    );
    expect(outcome.count).toBe(2);
    expect(outcome.changes.map((c) => c.target).sort()).toEqual([created.id, refreshed.id].sort());
    expect((await store.findSession(elsewhere.id))?.revokedAt).toBeNull();
    const [audit] = await store.queryAudit({ limit: 1 });
    expect(audit).toEqual(
      expect.objectContaining({
        kind: 'ip',
        target: '203.0.113.9',
        reason: 'suspicious_activity',
        count: 2,
      }),
    );
  });

  it('rotates a refresh token only while the expected one is current', async () => {
    const session = sessionFixture();
    await store.createSession(session);
    const rotation = {
      sessionId: session.id,
      expectedJti: session.refreshJti,
      nextJti: 'rt-next',
      issuedAt: T0 + MINUTE,
      expiresAt: T0 + 31 * MINUTE,
      at: T0 + MINUTE,
      ip: '10.9.9.9',
    };
    expect(await store.rotateRefresh(rotation)).toBe(true);
    expect(await store.rotateRefresh({ ...rotation, nextJti: 'rt-other' })).toBe(false);
    const stored = await store.findSession(session.id);
    expect(stored).toEqual(
      expect.objectContaining({
        refreshJti: 'rt-next',
        previousRefreshJti: session.refreshJti,
        rotatedAt: T0 + MINUTE,
        lastSeenAt: T0 + MINUTE,
        lastIp: '10.9.9.9',
        refreshIssuedAt: T0 + MINUTE,
        refreshExpiresAt: T0 + 31 * MINUTE,
      }),
    );
  });

  it('lets exactly one of many concurrent rotations win', async () => {
    const session = sessionFixture();
    await store.createSession(session);
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        store.rotateRefresh({
          sessionId: session.id,
          expectedJti: session.refreshJti,
          nextJti: `next-${i}`,
          issuedAt: T0,
          expiresAt: T0 + MINUTE,
          at: T0,
          ip: null,
        }),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = results.indexOf(true);
    expect((await store.findSession(session.id))?.refreshJti).toBe(`next-${winner}`);
  });

  it('does not rotate a revoked session', async () => {
    const session = sessionFixture();
    await store.createSession(session);
    await store.revoke(command({ kind: 'session', sessionId: session.id }));
    expect(
      await store.rotateRefresh({
        sessionId: session.id,
        expectedJti: session.refreshJti,
        nextJti: 'n',
        issuedAt: T0,
        expiresAt: T0,
        at: T0,
        ip: null,
      }),
    ).toBe(false);
  });

  it('lists changes after a cursor in order, in pages', async () => {
    const seqs: number[] = [];
    for (let i = 0; i < 5; i++) {
      const o = await store.revoke(command({ kind: 'jti', jti: `j${i}`, expiresAt: T0 + MINUTE }));
      seqs.push(o.changes[0].seq);
    }
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    expect((await store.changesSince(0, 100)).map((c) => c.target)).toEqual([
      'j0',
      'j1',
      'j2',
      'j3',
      'j4',
    ]);
    expect((await store.changesSince(seqs[1], 2)).map((c) => c.target)).toEqual(['j2', 'j3']);
    expect(await store.changesSince(seqs[4], 100)).toEqual([]);
  });

  it('lists active sessions only', async () => {
    const live = sessionFixture({ subject: 'dana' });
    const expired = sessionFixture({ subject: 'dana', expiresAt: T0 + MINUTE });
    const revoked = sessionFixture({ subject: 'dana' });
    for (const s of [live, expired, revoked]) await store.createSession(s);
    await store.revoke(command({ kind: 'session', sessionId: revoked.id }));
    expect((await store.listSessions('dana', T0 + 2 * MINUTE)).map((s) => s.id)).toEqual([live.id]);
  });

  it('keeps an audit trail, newest first, paged and filtered', async () => {
    await store.revoke(
      command({ kind: 'jti', jti: 'a', expiresAt: T0 + MINUTE }, T0, 'compromised', 'admin-1'),
    );
    await store.revoke(command({ kind: 'user', subject: 'u9' }, T0 + 1, 'role_change', null));
    await store.revoke(command({ kind: 'session', sessionId: 's9' }, T0 + 2, 'logout', 'u9'));
    const all = await store.queryAudit({ limit: 10 });
    expect(all.map((e) => [e.kind, e.target, e.reason, e.actor, e.createdAt])).toEqual([
      ['session', 's9', 'logout', 'u9', T0 + 2],
      ['user', 'u9', 'role_change', null, T0 + 1],
      ['jti', 'a', 'compromised', 'admin-1', T0],
    ]);
    const page = await store.queryAudit({ limit: 1, beforeId: all[0].id });
    expect(page.map((e) => e.target)).toEqual(['u9']);
    expect((await store.queryAudit({ limit: 10, kind: 'jti' })).map((e) => e.target)).toEqual([
      'a',
    ]);
    expect((await store.queryAudit({ limit: 10, target: 's9' })).map((e) => e.kind)).toEqual([
      'session',
    ]);
  });

  it('purges only what can no longer validate', async () => {
    await store.revoke(command({ kind: 'jti', jti: 'short', expiresAt: T0 + MINUTE }));
    await store.revoke(command({ kind: 'jti', jti: 'long', expiresAt: T0 + 10 * MINUTE }));
    const ended = sessionFixture({ expiresAt: T0 + MINUTE });
    const open = sessionFixture();
    await store.createSession(ended);
    await store.createSession(open);
    await store.purgeExpired(T0 + MINUTE - 1);
    expect(
      (await snapshotChanges(await store.loadSnapshot(T0))).map((c) => c.target).sort(),
    ).toEqual(['long', 'short', ended.id, open.id].sort());
    const removed = await store.purgeExpired(T0 + MINUTE);
    expect(removed).toBeGreaterThanOrEqual(3);
    expect(
      (await snapshotChanges(await store.loadSnapshot(T0))).map((c) => c.target).sort(),
    ).toEqual(['long', open.id].sort());
    expect(await store.findSession(ended.id)).toBeNull();
    expect(await store.findSession(open.id)).not.toBeNull();
    expect(await store.queryAudit({ limit: 10 })).toHaveLength(2);
  });

  // A revocation whose answer was lost (a timeout during commit) is reported as a failure and
  // retried: the retry must neither fail nor count what the first attempt already ended.
  it('takes a retried session or IP revocation as a no-op that counts nothing', async () => {
    const a = sessionFixture({ subject: 'retry', ip: '10.9.9.9', lastIp: '10.9.9.9' });
    const b = sessionFixture({ subject: 'retry', ip: '10.9.9.9', lastIp: '10.9.9.9' });
    for (const s of [a, b]) await store.createSession(s);
    const session = command({ kind: 'session', sessionId: a.id }, T0 + 1, 'logout');
    expect((await store.revoke(session)).count).toBe(1);
    const retried = await store.revoke({ ...session, at: T0 + 2 });
    expect(retried.count).toBe(0);
    expect(retried.changes.map((c) => [c.kind, c.target])).toEqual([['session', a.id]]);
    expect((await store.findSession(a.id))?.revokedAt).toBe(T0 + 1);

    const ip = command({ kind: 'ip', ip: '10.9.9.9' }, T0 + 3);
    expect((await store.revoke(ip)).count).toBe(1);
    expect((await store.revoke({ ...ip, at: T0 + 4 })).count).toBe(0);
    expect((await store.queryAudit({ limit: 10 })).map((e) => [e.kind, e.count])).toEqual([
      ['ip', 0],
      ['ip', 1],
      ['session', 0],
      ['session', 1],
    ]);
  });

  // A retried user-wide (or global) revocation raises the version a second time. That is harmless:
  // the version only says "tokens issued before this revocation are revoked", and the retry is a
  // fresh request to end everything issued before *it*; sessions that the first attempt ended are
  // not counted again, and a session started after the retry is untouched.
  it('takes a retried user-wide revocation as a second, harmless version step', async () => {
    const before = sessionFixture({ subject: 'again' });
    await store.createSession(before);
    const user = command({ kind: 'user', subject: 'again' }, T0 + 1, 'password_change');
    const first = await store.revoke(user);
    const second = await store.revoke({ ...user, at: T0 + 2 });
    expect([first.count, second.count]).toEqual([1, 0]);
    expect(second.changes.map((c) => [c.kind, c.version])).toEqual([['user', 2]]);
    const versions = await store.versions('again');
    expect(versions.user).toBe(2);
    const after = sessionFixture({ subject: 'again', createdAt: T0 + 3, userVersion: 2 });
    await store.createSession(after);
    expect((await store.listSessions('again', T0 + 3)).map((s) => s.id)).toEqual([after.id]);

    const global = command({ kind: 'global' }, T0 + 4);
    expect((await store.revoke(global)).count).toBeGreaterThan(0);
    expect((await store.revoke({ ...global, at: T0 + 5 })).count).toBe(0);
    expect((await store.versions('again')).global).toBe(2);
  });

  it('survives concurrent revocations of many kinds without losing any', async () => {
    const sessions = Array.from({ length: 6 }, (_, i) => sessionFixture({ subject: `c${i % 2}` }));
    for (const s of sessions) await store.createSession(s);
    await Promise.all([
      ...sessions.map((s) => store.revoke(command({ kind: 'session', sessionId: s.id }))),
      store.revoke(command({ kind: 'user', subject: 'c0' })),
      store.revoke(command({ kind: 'user', subject: 'c0' })),
      store.revoke(command({ kind: 'jti', jti: 'x', expiresAt: T0 + MINUTE })),
    ]);
    expect((await store.versions('c0')).user).toBe(2);
    const changes = await store.changesSince(0, 100);
    expect(changes.filter((c) => c.kind === 'session')).toHaveLength(6);
    expect(await store.queryAudit({ limit: 100 })).toHaveLength(9);
  });

  it('changes claims by raising a claims version, ending no session', async () => {
    const alice = sessionFixture({ subject: 'alice', roles: ['user'] });
    const bob = sessionFixture({ subject: 'bob' });
    for (const s of [alice, bob]) await store.createSession(s);
    const outcome = await store.revoke(
      command({ kind: 'claims', subject: 'alice' }, T0 + MINUTE, 'role_change'),
    );
    expect(outcome.count).toBe(1);
    expect(outcome.changes).toEqual([
      expect.objectContaining({ kind: 'claims', target: 'alice', version: 1, at: T0 + MINUTE }),
    ]);
    expect(await store.versions('alice')).toEqual({ user: 0, global: 0, claims: 1 });
    expect((await store.versions('bob')).claims ?? 0).toBe(0);
    expect((await store.listSessions('alice', T0 + MINUTE)).map((s) => s.id)).toEqual([alice.id]);
    // Recorded late (clocks of instances differ): the time never moves back.
    await store.revoke(command({ kind: 'claims', subject: 'alice' }, T0));
    const snapshot = await store.loadSnapshot(T0 + MINUTE);
    expect(snapshot.claimsVersions).toEqual([['alice', 2, T0 + MINUTE]]);
    expect(snapshot.userVersions).toEqual([]);
    expect(await snapshotChanges(snapshot)).not.toContainEqual(
      expect.objectContaining({ kind: 'claims' }),
    );
    expect(
      (await store.changesSince(0, 10))
        .filter((c) => c.kind === 'claims')
        .map((c) => [c.target, c.version, c.at]),
    ).toEqual([
      ['alice', 1, T0 + MINUTE],
      ['alice', 2, T0],
    ]);
    const [audit] = await store.queryAudit({ limit: 1 });
    expect(audit).toEqual(
      expect.objectContaining({ kind: 'claims', target: 'alice', reason: 'admin', count: 1 }),
    );
  });

  it('rotates a refresh token with new roles and claims version, and keeps them otherwise', async () => {
    const session = sessionFixture({ roles: ['user'] });
    await store.createSession(session);
    const rotation = {
      sessionId: session.id,
      expectedJti: session.refreshJti,
      nextJti: 'rt-claims-1',
      issuedAt: T0 + MINUTE,
      expiresAt: T0 + 31 * MINUTE,
      at: T0 + MINUTE,
      ip: null,
    };
    expect(
      await store.rotateRefresh({
        ...rotation,
        claims: { roles: ['user', 'auditor'], version: 3 },
      }),
    ).toBe(true);
    expect(await store.findSession(session.id)).toEqual(
      expect.objectContaining({ roles: ['user', 'auditor'], claimsVersion: 3 }),
    );
    expect(
      await store.rotateRefresh({
        ...rotation,
        expectedJti: 'rt-claims-1',
        nextJti: 'rt-claims-2',
      }),
    ).toBe(true);
    expect(await store.findSession(session.id)).toEqual(
      expect.objectContaining({
        refreshJti: 'rt-claims-2',
        roles: ['user', 'auditor'],
        claimsVersion: 3,
      }),
    );
  });

  it('keeps claims changes in the log for instances polling behind, then purges them', async () => {
    await store.revoke(command({ kind: 'claims', subject: 'carl' }, T0));
    await store.purgeExpired(T0 + 60 * MINUTE);
    expect((await store.changesSince(0, 10)).map((c) => c.kind)).toEqual(['claims']);
    await store.purgeExpired(T0 + 48 * 60 * MINUTE);
    expect(await store.changesSince(0, 10)).toEqual([]);
    expect((await store.versions('carl')).claims).toBe(1);
  });

  // Like a session: a retried `jti` revocation (its first answer lost) ends nothing more.
  it('takes a retried jti revocation as a no-op that counts nothing', async () => {
    const jti = command({ kind: 'jti', jti: 'again', expiresAt: T0 + TOKEN_LIFETIME }, T0 + 1);
    expect((await store.revoke(jti)).count).toBe(1);
    const retried = await store.revoke({ ...jti, at: T0 + 2 });
    expect(retried.count).toBe(0);
    expect(retried.changes.map((c) => [c.kind, c.target])).toEqual([['jti', 'again']]);
    expect((await store.queryAudit({ limit: 10 })).map((e) => [e.kind, e.count])).toEqual([
      ['jti', 0],
      ['jti', 1],
    ]);
    // Once the first denial has expired, the token could no longer be used anyway: a new one counts.
    const later = { ...jti, at: T0 + TOKEN_LIFETIME, target: { ...jti.target } };
    expect((await store.revoke(later)).count).toBe(1);
  });

  if (options.transactions) transactionContract(() => sut);
}

/** Revocations in a caller's transaction: they commit with it, or vanish with its rollback. */
function transactionContract(current: () => StoreUnderTest): void {
  const inTransaction = <T>(work: (transaction: RevocationTransaction) => Promise<T>) => {
    const sut = current();
    if (!sut.transaction)
      throw new Error('setup must return `transaction` for the transaction tests');
    return sut.transaction(work);
  };

  it("records a revocation in the caller's transaction and runs the after-commit action once committed", async () => {
    const { store } = current();
    const session = sessionFixture({ subject: 'tx-commit' });
    await store.createSession(session);
    const seen: string[] = [];
    const outcome = await inTransaction(async (transaction) => {
      const o = await store.revoke(
        command({ kind: 'user', subject: 'tx-commit' }, T0 + 1, 'password_change'),
        transaction,
      );
      store.afterCommit!(transaction, async () => {
        seen.push(`after:${(await store.versions('tx-commit')).user}`);
      });
      seen.push('work done');
      return o;
    });
    expect(outcome.count).toBe(1);
    expect(seen).toEqual(['work done', 'after:1']);
    expect((await store.changesSince(0, 10)).map((c) => c.kind)).toContain('user');
    expect((await store.queryAudit({ limit: 10 })).map((e) => e.reason)).toEqual([
      'password_change',
    ]);
  });

  it('leaves nothing of a revocation whose transaction rolled back, and never runs its action', async () => {
    const { store } = current();
    const session = sessionFixture({ subject: 'tx-rollback' });
    await store.createSession(session);
    const before = await store.changesSince(0, 100);
    let ran = false;
    await expect(
      inTransaction(async (transaction) => {
        await store.revoke(command({ kind: 'session', sessionId: session.id }), transaction);
        await store.revoke(command({ kind: 'claims', subject: 'tx-rollback' }), transaction);
        await store.revoke(command({ kind: 'user', subject: 'tx-rollback' }), transaction);
        store.afterCommit!(transaction, async () => {
          ran = true;
        });
        throw new Error('the caller failed after revoking');
      }),
    ).rejects.toThrow('the caller failed after revoking');
    expect(ran).toBe(false);
    expect(await store.changesSince(0, 100)).toEqual(before);
    expect(await store.queryAudit({ limit: 10 })).toEqual([]);
    expect(await store.versions('tx-rollback')).toEqual({ user: 0, global: 0, claims: 0 });
    expect((await store.findSession(session.id))?.revokedAt).toBeNull();
  });

  it('refuses a transaction handle that is not a running transaction of its database', async () => {
    const { store } = current();
    await expect(
      store.revoke(command({ kind: 'user', subject: 'x' }), { not: 'a transaction' }),
    ).rejects.toThrow(TypeError);
    expect(await store.queryAudit({ limit: 10 })).toEqual([]);
  });
}
