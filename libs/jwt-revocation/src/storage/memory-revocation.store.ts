import type {
  AuditEntry,
  AuditQuery,
  RefreshRotation,
  RevocationChange,
  RevocationCommand,
  RevocationOutcome,
  RevocationSnapshot,
  SnapshotOptions,
  RevocationStore,
  RevocationTransaction,
  RevocationVersions,
  SessionRecord,
} from './revocation-store.interface';
import {
  auditTarget,
  isSessionActive,
  sessionDenyUntil,
  VERSION_CHANGE_RETENTION_MS,
  VERSION_KINDS,
  withTime,
} from './session-state';

/**
 * A store that lives in this process only. Nothing survives a restart: use it in tests and demos,
 * and the TypeORM store anywhere revocations must last.
 */
export class MemoryRevocationStore implements RevocationStore {
  private seq = 0;
  private auditId = 0;
  private changes: (RevocationChange & { createdAt: number })[] = [];
  private readonly sessions = new Map<string, SessionRecord>();
  private readonly userVersions = new Map<string, number>();
  private readonly userRevokedAt = new Map<string, number>();
  private readonly claimsVersions = new Map<string, number>();
  private readonly claimsChangedAt = new Map<string, number>();
  private globalVersion = 0;
  private globalRevokedAt = 0;
  private readonly audit: AuditEntry[] = [];

  async ping(): Promise<void> {}

  async loadSnapshot(now: number, options: SnapshotOptions = {}): Promise<RevocationSnapshot> {
    const openSessions = options.openSessions ?? true;
    const live = this.changes
      .filter(
        (c) => isExpiring(c) && c.expiresAt > now && (openSessions || c.kind !== 'session-open'),
      )
      .map(strip);
    return {
      cursor: this.seq,
      changes: inBatches(live),
      userVersions: [...this.userVersions].map(([subject, version]) => [
        subject,
        version,
        this.userRevokedAt.get(subject) ?? 0,
      ]),
      claimsVersions: [...this.claimsVersions].map(([subject, version]) => [
        subject,
        version,
        this.claimsChangedAt.get(subject) ?? 0,
      ]),
      globalVersion: this.globalVersion,
      globalRevokedAt: this.globalRevokedAt,
    };
  }

  async changesSince(cursor: number, limit: number): Promise<RevocationChange[]> {
    return this.changes
      .filter((c) => c.seq > cursor)
      .slice(0, limit)
      .map(strip);
  }

  async versions(subject: string): Promise<RevocationVersions> {
    return {
      user: this.userVersions.get(subject) ?? 0,
      global: this.globalVersion,
      claims: this.claimsVersions.get(subject) ?? 0,
    };
  }

  async revoke(
    command: RevocationCommand,
    transaction?: RevocationTransaction,
  ): Promise<RevocationOutcome> {
    if (transaction !== undefined) {
      throw new Error(
        'MemoryRevocationStore cannot join a transaction: use TypeOrmRevocationStore for revocations in your transactions.',
      );
    }
    const t = command.target;
    let outcome: RevocationOutcome;
    switch (t.kind) {
      case 'jti': {
        // A retry of a revocation whose answer was lost ends nothing more.
        const known = this.changes.some(
          (c) => c.kind === 'jti' && c.target === t.jti && c.expiresAt > command.at,
        );
        const change = this.record(command, 'jti', t.jti, 0, t.expiresAt);
        outcome = { count: known ? 0 : 1, changes: [change] };
        break;
      }
      case 'session':
        outcome = this.revokeSessions(command, [t.sessionId]);
        break;
      case 'ip':
        outcome = this.revokeSessions(
          command,
          [...this.sessions.values()]
            .filter((s) => (s.ip === t.ip || s.lastIp === t.ip) && this.isActive(s, command.at))
            .map((s) => s.id),
        );
        break;
      case 'user': {
        const count = this.countIfAsked(command, (s) => s.subject === t.subject);
        const version = (this.userVersions.get(t.subject) ?? 0) + 1;
        this.userVersions.set(t.subject, version);
        this.userRevokedAt.set(
          t.subject,
          Math.max(this.userRevokedAt.get(t.subject) ?? 0, command.at),
        );
        outcome = { count, changes: [this.record(command, 'user', t.subject, version, 0)] };
        break;
      }
      case 'global': {
        const count = this.countIfAsked(command, () => true);
        this.globalVersion += 1;
        this.globalRevokedAt = Math.max(this.globalRevokedAt, command.at);
        outcome = { count, changes: [this.record(command, 'global', '*', this.globalVersion, 0)] };
        break;
      }
      case 'claims': {
        const count = this.countIfAsked(command, (s) => s.subject === t.subject);
        const version = (this.claimsVersions.get(t.subject) ?? 0) + 1;
        this.claimsVersions.set(t.subject, version);
        this.claimsChangedAt.set(
          t.subject,
          Math.max(this.claimsChangedAt.get(t.subject) ?? 0, command.at),
        );
        outcome = { count, changes: [this.record(command, 'claims', t.subject, version, 0)] };
        break;
      }
    }
    this.audit.push({
      id: ++this.auditId,
      kind: t.kind,
      target: auditTarget(command),
      reason: command.reason,
      actor: command.actor ?? null,
      count: outcome.count,
      createdAt: command.at,
    });
    return outcome;
  }

  async createSession(session: SessionRecord): Promise<RevocationChange> {
    if (this.sessions.has(session.id)) throw new Error(`session ${session.id} already exists`);
    this.sessions.set(session.id, { ...session, roles: [...session.roles] });
    return this.record(null, 'session-open', session.id, 0, session.expiresAt, session.createdAt);
  }

  async findSession(id: string): Promise<SessionRecord | null> {
    const s = this.sessions.get(id);
    return s ? { ...s, roles: [...s.roles] } : null;
  }

  async listSessions(subject: string, now: number): Promise<SessionRecord[]> {
    return [...this.sessions.values()]
      .filter((s) => s.subject === subject && this.isActive(s, now))
      .map((s) => ({ ...s, roles: [...s.roles] }));
  }

  async rotateRefresh(r: RefreshRotation): Promise<boolean> {
    const s = this.sessions.get(r.sessionId);
    if (!s || s.revokedAt !== null || s.refreshJti !== r.expectedJti) return false;
    Object.assign(s, {
      previousRefreshJti: r.expectedJti,
      refreshJti: r.nextJti,
      refreshIssuedAt: r.issuedAt,
      refreshExpiresAt: r.expiresAt,
      rotatedAt: r.at,
      lastSeenAt: r.at,
      lastIp: r.ip ?? s.lastIp,
    });
    if (r.claims) {
      s.roles = [...r.claims.roles];
      s.claimsVersion = r.claims.version;
    }
    return true;
  }

  async queryAudit(q: AuditQuery): Promise<AuditEntry[]> {
    return this.audit
      .filter(
        (e) =>
          (q.beforeId === undefined || e.id < q.beforeId) &&
          (q.kind === undefined || e.kind === q.kind) &&
          (q.target === undefined || e.target === q.target),
      )
      .reverse()
      .slice(0, q.limit)
      .map((e) => ({ ...e }));
  }

  async purgeExpired(now: number): Promise<number> {
    const before = this.changes.length;
    this.changes = this.changes.filter((c) =>
      isExpiring(c) ? c.expiresAt > now : c.createdAt > now - VERSION_CHANGE_RETENTION_MS,
    );
    let removed = before - this.changes.length;
    for (const [id, s] of this.sessions) {
      if (s.expiresAt <= now) {
        this.sessions.delete(id);
        removed++;
      }
    }
    return removed;
  }

  private revokeSessions(command: RevocationCommand, ids: string[]): RevocationOutcome {
    let count = 0;
    const changes: RevocationChange[] = [];
    for (const id of ids) {
      const s = this.sessions.get(id) ?? null;
      if (s && this.isActive(s, command.at)) count++;
      if (s && s.revokedAt === null) {
        s.revokedAt = command.at;
        s.revokedReason = command.reason;
      }
      changes.push(this.record(command, 'session', id, 0, sessionDenyUntil(s, command)));
    }
    return { count, changes };
  }

  private isActive(s: SessionRecord, now: number): boolean {
    return isSessionActive(
      s,
      { user: this.userVersions.get(s.subject) ?? 0, global: this.globalVersion },
      now,
    );
  }

  private countIfAsked(
    command: RevocationCommand,
    match: (s: SessionRecord) => boolean,
  ): number | null {
    return command.count === false ? null : this.countActive(command.at, match);
  }

  private countActive(now: number, match: (s: SessionRecord) => boolean): number {
    let n = 0;
    for (const s of this.sessions.values()) if (match(s) && this.isActive(s, now)) n++;
    return n;
  }

  private record(
    command: RevocationCommand | null,
    kind: RevocationChange['kind'],
    target: string,
    version: number,
    expiresAt: number,
    at = command?.at ?? 0,
  ): RevocationChange {
    const change = { seq: ++this.seq, kind, target, version, expiresAt, createdAt: at };
    this.changes.push(change);
    return strip(change);
  }
}

async function* inBatches(changes: RevocationChange[]): AsyncGenerator<RevocationChange[]> {
  if (changes.length > 0) yield changes;
}

function isExpiring(c: RevocationChange): boolean {
  return !VERSION_KINDS.includes(c.kind);
}

function strip(c: RevocationChange & { createdAt: number }): RevocationChange {
  const { seq, kind, target, version, expiresAt } = c;
  return withTime({ seq, kind, target, version, expiresAt }, c.createdAt);
}
