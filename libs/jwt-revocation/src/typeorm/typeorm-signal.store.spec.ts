import {
  createTestDatabase,
  openRevocationDataSource,
  testDatabaseKinds,
} from '../../../../test/support/databases';
import { MemorySignalStore } from '../signals/memory-signal.store';
import type { NewSignalRecord, SignalStore } from '../signals/signal-store.interface';
import { TypeOrmRevocationStore } from './typeorm-revocation.store';
import { TypeOrmSignalStore } from './typeorm-signal.store';

type Harness = {
  store: SignalStore;
  /** Appends a change to the change log (a user revocation). */
  change?: () => Promise<void>;
  teardown: () => Promise<void>;
};

const received = (jti: string, createdAt = 1_000_000): NewSignalRecord => ({
  direction: 'received',
  protocol: 'ssf',
  issuer: 'https://idp.example',
  jti,
  peer: '',
  events: ['https://schemas.openid.net/secevent/risc/event-type/account-disabled'],
  subject: 'email:ada@example.com',
  outcome: 'pending',
  count: 0,
  createdAt,
});

const harnesses: [string, () => Promise<Harness>][] = [
  ['memory', async () => ({ store: new MemorySignalStore(), teardown: async () => undefined })],
  ...testDatabaseKinds().map((kind): [string, () => Promise<Harness>] => [
    kind,
    async () => {
      const db = await createTestDatabase(kind);
      const ds = await openRevocationDataSource(db);
      const revocations = new TypeOrmRevocationStore(ds);
      return {
        store: new TypeOrmSignalStore(ds),
        change: async () => {
          await revocations.revoke({
            target: { kind: 'user', subject: 'u1' },
            reason: 'admin',
            at: Date.now(),
            tokenLifetimeMs: 1000,
            sessionLifetimeMs: 1000,
          });
        },
        teardown: async () => {
          await ds.destroy();
          await db.drop();
        },
      };
    },
  ]),
];

describe.each(harnesses)('signal store on %s', (_kind, open) => {
  let h: Harness;
  beforeEach(async () => {
    h = await open();
  });
  afterEach(() => h.teardown());

  it('claims a received (issuer, jti) once: a second claim is a replay', async () => {
    expect(await h.store.claim(received('a'), 10_000)).toBe(true);
    await h.store.settle('https://idp.example', 'a', 'revoked', 2, 'email:ada@example.com');
    expect(await h.store.claim(received('a', 9_000_000), 10_000)).toBe(false);
    expect(await h.store.claim(received('b'), 10_000)).toBe(true);
    const [b, a] = await h.store.query({ limit: 10, direction: 'received' });
    expect(a).toEqual(expect.objectContaining({ jti: 'a', outcome: 'revoked', count: 2 }));
    expect(a.events).toEqual(received('a').events);
    expect(b).toEqual(expect.objectContaining({ jti: 'b', outcome: 'pending' }));
    expect(await h.store.query({ limit: 10, jti: 'a' })).toHaveLength(1);
  });

  it('a released claim can be claimed again; a stale pending one is taken over once', async () => {
    expect(await h.store.claim(received('c', 1_000_000), 10_000)).toBe(true);
    await h.store.release('https://idp.example', 'c');
    expect(await h.store.claim(received('c', 1_000_001), 10_000)).toBe(true);
    // Still pending, recent: a concurrent delivery of the same SET is refused.
    expect(await h.store.claim(received('c', 1_005_000), 10_000)).toBe(false);
    // Pending past the stale bound (its instance died): taken over by exactly one caller.
    const takers = await Promise.all([
      h.store.claim(received('c', 1_020_000), 10_000),
      h.store.claim(received('c', 1_020_000), 10_000),
    ]);
    expect(takers.filter(Boolean).length).toBeLessThanOrEqual(1);
    await h.store.settle('https://idp.example', 'c', 'revoked', 1, null);
    expect(await h.store.claim(received('c', 9_000_000), 10_000)).toBe(false);
  });

  it('records a sent SET once per receiver', async () => {
    const sent = {
      ...received('s1'),
      direction: 'sent' as const,
      peer: 'siem',
      outcome: 'delivered',
    };
    await h.store.recordSent(sent);
    await h.store.recordSent(sent);
    await h.store.recordSent({ ...sent, peer: 'other' });
    const rows = await h.store.query({ limit: 10, direction: 'sent' });
    expect(rows.map((r) => r.peer).sort()).toEqual(['other', 'siem']);
  });

  it('leases a receiver to one owner at a time, and moves the cursor only for the holder', async () => {
    await h.change?.();
    const start = await h.store.lease('siem', 'one', 1_000, 5_000);
    expect(start).not.toBeNull();
    expect(await h.store.lease('siem', 'two', 2_000, 5_000)).toBeNull();
    expect(await h.store.advance('siem', 'two', start! + 1)).toBe(false);
    expect(await h.store.advance('siem', 'one', start! + 1)).toBe(true);
    expect(await h.store.lease('siem', 'one', 3_000, 5_000)).toBe(start! + 1);
    // The holder died: its lease lapses and another owner resumes from the durable cursor.
    expect(await h.store.lease('siem', 'two', 9_000, 5_000)).toBe(start! + 1);
    expect(await h.store.advance('siem', 'one', start! + 2)).toBe(false);
    await h.store.unlease('siem', 'two');
    expect(await h.store.lease('siem', 'three', 9_001, 5_000)).toBe(start! + 1);
  });

  it('starts a new receiver at the end of the change log', async () => {
    if (!h.change) return;
    await h.change();
    await h.change();
    const cursor = await h.store.lease('late', 'one', 1_000, 5_000);
    expect(cursor).toBeGreaterThanOrEqual(2);
  });
});
