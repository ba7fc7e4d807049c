import type {
  NewSignalRecord,
  SignalQuery,
  SignalRecord,
  SignalStore,
} from './signal-store.interface';

/**
 * Signals kept in memory: for tests and single-instance demos. The replay guard then covers one
 * process only and is forgotten at restart; use `TypeOrmSignalStore` in production.
 */
export class MemorySignalStore implements SignalStore {
  private readonly records: SignalRecord[] = [];
  private readonly deliveries = new Map<
    string,
    { cursor: number; owner: string | null; until: number }
  >();
  private nextId = 1;

  /** `head` gives the cursor a new receiver starts at (default 0: every change). */
  constructor(private readonly head: () => Promise<number> = async () => 0) {}

  async claim(record: NewSignalRecord, staleMs: number): Promise<boolean> {
    const existing = this.find('received', record.issuer, record.jti, '');
    if (existing) {
      if (existing.outcome !== 'pending' || existing.createdAt > record.createdAt - staleMs)
        return false;
      existing.createdAt = record.createdAt;
      return true;
    }
    this.records.push({ ...record, id: this.nextId++ });
    return true;
  }

  async settle(
    issuer: string,
    jti: string,
    outcome: string,
    count: number,
    subject: string | null,
  ): Promise<void> {
    const existing = this.find('received', issuer, jti, '');
    if (existing) Object.assign(existing, { outcome, count, subject });
  }

  async release(issuer: string, jti: string): Promise<void> {
    const index = this.records.findIndex(
      (r) => r.direction === 'received' && r.issuer === issuer && r.jti === jti,
    );
    if (index >= 0 && this.records[index].outcome === 'pending') this.records.splice(index, 1);
  }

  async recordSent(record: NewSignalRecord): Promise<void> {
    if (this.find('sent', record.issuer, record.jti, record.peer)) return;
    this.records.push({ ...record, id: this.nextId++ });
  }

  async query(q: SignalQuery): Promise<SignalRecord[]> {
    return this.records
      .filter(
        (r) =>
          (q.beforeId === undefined || r.id < q.beforeId) &&
          (q.direction === undefined || r.direction === q.direction) &&
          (q.issuer === undefined || r.issuer === q.issuer) &&
          (q.jti === undefined || r.jti === q.jti),
      )
      .sort((a, b) => b.id - a.id)
      .slice(0, q.limit)
      .map((r) => ({ ...r, events: [...r.events] }));
  }

  async lease(receiver: string, owner: string, now: number, ttlMs: number): Promise<number | null> {
    let delivery = this.deliveries.get(receiver);
    if (!delivery) {
      delivery = { cursor: await this.head(), owner: null, until: 0 };
      this.deliveries.set(receiver, delivery);
    }
    if (delivery.owner !== null && delivery.owner !== owner && delivery.until > now) return null;
    delivery.owner = owner;
    delivery.until = now + ttlMs;
    return delivery.cursor;
  }

  async advance(receiver: string, owner: string, cursor: number): Promise<boolean> {
    const delivery = this.deliveries.get(receiver);
    if (!delivery || delivery.owner !== owner) return false;
    delivery.cursor = Math.max(delivery.cursor, cursor);
    return true;
  }

  async unlease(receiver: string, owner: string): Promise<void> {
    const delivery = this.deliveries.get(receiver);
    if (delivery?.owner === owner) delivery.owner = null;
  }

  private find(direction: string, issuer: string, jti: string, peer: string) {
    return this.records.find(
      (r) => r.direction === direction && r.issuer === issuer && r.jti === jti && r.peer === peer,
    );
  }
}
