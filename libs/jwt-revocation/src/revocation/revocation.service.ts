import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { Clock } from '../clock';
import { EVENT_EMITTER_TOKEN, EventEmitterLike } from '../events/optional-event-emitter';
import { JwtRevocationEvents, TokenRevokedEvent } from '../events/jwt-revocation.events';
import { JwtRevocationConfig } from '../jwt-revocation.config';
import { RevocationMetrics } from '../metrics/revocation.metrics';
import {
  ClaimsChangedException,
  InvalidTokenException,
  RevocationUnavailableException,
  StoreUnavailableException,
  TokenRevokedException,
} from '../jwt-revocation.exceptions';
import type { FailureMode } from '../jwt-revocation.options';
import { storeFailureOf } from '../storage/store-errors';
import {
  AuditEntry,
  AuditQuery,
  RevocationOutcome,
  RevocationReason,
  RevocationStore,
  RevocationTarget,
  RevocationTransaction,
} from '../storage/revocation-store.interface';
import type { RevocableClaims } from '../tokens/token.claims';
import { RevocationCache, RevocationVerdict } from './revocation.cache';
import { RevocationSync } from './revocation-sync.service';

/**
 * How far a route trusts the in-memory verdict (`@Authorize({ failureMode, maxStaleness })`).
 * Internal: built once per route by the policy reader. Times in ms.
 */
export interface CacheTrust {
  failureMode: FailureMode;
  maxStalenessMs: number;
}

/** Who revoked and why (recorded in the audit trail), and the transaction to join, if any. */
export interface RevocationContext {
  reason: RevocationReason;
  actor?: string | null;
  /**
   * Your transaction (with `TypeOrmRevocationStore`: the `EntityManager` that
   * `dataSource.transaction(em => ...)` passes). The revocation is written in it, so it commits or
   * rolls back with your own writes; it is enforced and announced to other instances only after the
   * commit, and never for a rollback. Until then the call's result is provisional. If the process
   * dies between the commit and the announcement, every instance still gets it from the change log
   * by polling.
   */
  transaction?: RevocationTransaction;
  /**
   * Count the sessions the revocation ended (default true). Counting a user-wide, global or claims
   * revocation reads every live session it covers, so its cost grows with them; with `false` it is
   * one version write whatever the number of sessions, and `revoked` (like the audit entry's and the
   * `TokenRevoked` event's `count`) is null. Revocations by `jti`, session or IP count anyway.
   */
  count?: boolean;
}

/**
 * What a revocation ended. `RevocationResult<null>` is the result of a user-wide, global or claims
 * revocation made with `count: false`.
 */
export interface RevocationResult<Revoked extends number | null = number> {
  /** Sessions (or, for a `jti`, tokens) that were active and now are not; null when not counted. */
  revoked: Revoked;
}

/** The result of a user-wide, global or claims revocation made with `context`. */
export type CountedResult<C extends RevocationContext> = RevocationResult<
  C extends { count: false }
    ? null
    : C extends { count: true }
      ? number
      : C extends { count: boolean }
        ? number | null
        : number
>;

/**
 * Revokes tokens by `jti`, session, user, IP or globally, and refreshes a user's claims. Each call
 * returns only once the revocation is durable in the store and enforced by this instance; in a
 * caller's transaction, both follow its commit. Other instances follow through the transport and
 * the store's change log.
 */
@Injectable()
export class RevocationService {
  private readonly logger = new Logger('JwtRevocation');

  constructor(
    @Inject(RevocationStore) private readonly store: RevocationStore,
    @Inject(RevocationCache) private readonly cache: RevocationCache,
    @Inject(RevocationSync) private readonly sync: RevocationSync,
    @Inject(JwtRevocationConfig) private readonly config: JwtRevocationConfig,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(RevocationMetrics) private readonly metrics: RevocationMetrics,
    @Optional() @Inject(EVENT_EMITTER_TOKEN) private readonly events?: EventEmitterLike,
  ) {}

  /**
   * Revokes one token by its `jti`. `expiresAt` (the token's `exp`, in seconds) bounds how long
   * the denial is kept; without it, the longest access-token lifetime is assumed.
   */
  revokeToken(
    jti: string,
    context: RevocationContext,
    expiresAt?: number,
  ): Promise<RevocationResult> {
    const now = this.clock.now();
    const until =
      expiresAt !== undefined
        ? expiresAt * 1000 + this.config.clockToleranceMs
        : now + this.config.accessTokenTtlMs + this.config.clockToleranceMs;
    return this.counted({ kind: 'jti', jti, expiresAt: until }, context);
  }

  /** Ends one session: its access tokens and its refresh-token family. */
  revokeSession(sessionId: string, context: RevocationContext): Promise<RevocationResult> {
    return this.counted({ kind: 'session', sessionId }, context);
  }

  /** Ends every session and token of a user issued before this call. Later logins are unaffected. */
  revokeUser<C extends RevocationContext>(subject: string, context: C): Promise<CountedResult<C>> {
    return this.revoke({ kind: 'user', subject }, context) as Promise<CountedResult<C>>;
  }

  /**
   * The user's claims (roles) changed: their access tokens minted before this call are refused at
   * once with `ClaimsChangedException` (on every instance within the propagation bound), while their
   * sessions and refresh tokens stay valid; the next refresh of each session mints an access token
   * with the claims `claimsLoader` returns. Reason default `role_change`.
   */
  changeClaims<C extends Partial<RevocationContext> = object>(
    subject: string,
    context: C = {} as C,
  ): Promise<CountedResult<C & RevocationContext>> {
    return this.revoke(
      { kind: 'claims', subject },
      { reason: 'role_change', ...context },
    ) as Promise<CountedResult<C & RevocationContext>>;
  }

  /** Kill switch: every token and session issued before this call, for every user. */
  revokeAll<C extends RevocationContext>(context: C): Promise<CountedResult<C>> {
    return this.revoke({ kind: 'global' }, context) as Promise<CountedResult<C>>;
  }

  /** Ends every active session created or last refreshed from `ip`. */
  revokeIp(ip: string, context: RevocationContext): Promise<RevocationResult> {
    return this.counted({ kind: 'ip', ip }, context);
  }

  /** The audit trail, newest first. */
  audit(query: Partial<AuditQuery> = {}): Promise<AuditEntry[]> {
    return this.store.queryAudit({ limit: 50, ...query });
  }

  /**
   * Throws `TokenRevokedException` when the claims are revoked, and `RevocationUnavailableException`
   * (503) when revocations cannot be checked and the failure mode is `closed`. In memory: no I/O.
   * Accepts the payload of any verified token: one without `jti`/`sid`/versions (signed before the
   * app adopted the library) is revoked by a user-wide or global revocation at or after its `iat`.
   */
  assertNotRevoked(claims: RevocableClaims, trust?: CacheTrust): void {
    if (!this.sync.isTrusted(trust?.maxStalenessMs)) {
      if ((trust?.failureMode ?? this.config.failureMode) === 'closed') {
        throw new RevocationUnavailableException();
      }
      this.sync.noteFailOpen();
    }
    this.refuseRevoked(claims);
  }

  /**
   * The verdict confirmed against the store (`consistency: 'strong'`): waits for a read of the
   * store's change log that began after this call, then checks, so a revocation committed by any
   * instance before the request arrived is enforced, whatever the transport did. Fails closed,
   * whatever the failure mode: `StoreUnavailableException` (503 + `Retry-After`) when the store
   * does not answer within `storeTimeout`.
   */
  async confirmNotRevoked(claims: RevocableClaims): Promise<void> {
    const ms = this.config.storeTimeoutMs;
    const retryAfterSeconds = Math.max(1, Math.ceil(ms / 1000));
    let timer: NodeJS.Timeout | undefined;
    // The read may be shared and include a full reload: this request waits `storeTimeout` at most.
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new StoreUnavailableException('timeout', retryAfterSeconds)),
        ms,
      );
    });
    try {
      await Promise.race([this.sync.confirmFresh(), late]);
    } catch (error) {
      if (error instanceof StoreUnavailableException) throw error;
      throw new StoreUnavailableException(
        storeFailureOf(error) ?? 'unreachable',
        retryAfterSeconds,
        {
          cause: error,
        },
      );
    } finally {
      clearTimeout(timer);
    }
    this.refuseRevoked(claims);
  }

  private refuseRevoked(claims: RevocableClaims): void {
    const verdict = this.cache.check(claims, this.clock.now());
    if (verdict === 'claims') throw new ClaimsChangedException();
    if (verdict !== undefined) throw new TokenRevokedException(verdict);
  }

  /**
   * For apps that verify tokens themselves (e.g. a `passport-jwt` strategy): call it from
   * `validate(payload)` with the verified payload. The same in-memory verdict as the guard:
   * throws `TokenRevokedException` (401) when revoked, `RevocationUnavailableException` (503) when
   * revocations cannot be checked and the failure mode is `closed`, and `InvalidTokenException`
   * (401) when the payload has no usable `sub` or a claim of the wrong type, and
   * `ClaimsChangedException` (401) when the user's claims changed after it was signed. A payload stamped by
   * `RevocationClaimsService` is judged by its `sid`, `jti` and versions; one signed without them
   * (before adoption) is revoked by a user-wide or global revocation made at or after its `iat`.
   * `sub` is compared as a string: revoke the user with `revokeUser(String(userId))`.
   */
  assertPayloadNotRevoked(payload: unknown): void {
    this.assertNotRevoked(revocableClaims(payload));
  }

  /** Why the claims are revoked, or `undefined`. Does not consider the failure mode. */
  check(claims: RevocableClaims): RevocationVerdict | undefined {
    return this.cache.check(claims, this.clock.now());
  }

  /**
   * Reports success only once the store has committed, and only then updates this instance's cache
   * and announces the change: a revocation whose answer is lost (a `StoreUnavailableException` at
   * the deadline) may have committed, so it is reported as a failure and left to polling, and is
   * safe to retry (revocations are idempotent). In a caller's transaction, the commit is the
   * caller's: the announcement waits for it.
   */
  private revoke(
    target: RevocationTarget,
    context: RevocationContext,
  ): Promise<RevocationResult<number | null>> {
    return this.record(target, context, this.store);
  }

  /**
   * `revokeSession` inside an operation of `SessionService` (a refresh that finds its session idle),
   * with what is left of that operation's budget. @internal
   */
  async revokeSessionWithin(
    store: RevocationStore,
    sessionId: string,
    context: RevocationContext,
  ): Promise<void> {
    await this.record({ kind: 'session', sessionId }, context, store);
  }

  /** Revocations by `jti`, session or IP read each session they end, so they always count. */
  private async counted(
    target: RevocationTarget,
    context: RevocationContext,
  ): Promise<RevocationResult> {
    const { revoked } = await this.revoke(target, context);
    return { revoked: revoked ?? 0 };
  }

  private async record(
    target: RevocationTarget,
    context: RevocationContext,
    store: RevocationStore,
  ): Promise<RevocationResult<number | null>> {
    const at = this.clock.now();
    const command = {
      target,
      reason: context.reason,
      actor: context.actor ?? null,
      at,
      tokenLifetimeMs: this.config.accessTokenTtlMs + this.config.clockToleranceMs,
      sessionLifetimeMs: this.config.sessionAbsoluteTimeoutMs,
      ...(context.count === false ? { count: false } : {}),
    };
    const transaction = context.transaction;
    if (transaction === undefined) {
      const outcome = await store.revoke(command);
      await this.announce(target, context, outcome, at);
      return { revoked: outcome.count };
    }
    if (!store.afterCommit) {
      throw new TypeError(
        'jwt-revocation: the configured store cannot join a transaction (use TypeOrmRevocationStore).',
      );
    }
    const outcome = await store.revoke(command, transaction);
    store.afterCommit(transaction, () => this.announce(target, context, outcome, at));
    return { revoked: outcome.count };
  }

  /** Applies committed changes here, announces them, and tells metrics and listeners. Never throws. */
  private async announce(
    target: RevocationTarget,
    context: RevocationContext,
    outcome: RevocationOutcome,
    at: number,
  ): Promise<void> {
    try {
      await this.sync.publish(outcome.changes);
      this.metrics.recordRevocation(String(context.reason), outcome.count);
      const event: TokenRevokedEvent = {
        target,
        reason: context.reason,
        actor: context.actor ?? null,
        count: outcome.count,
        at,
      };
      this.events?.emit(JwtRevocationEvents.TokenRevoked, event);
    } catch (error) {
      // Committed already: polling applies it everywhere whatever failed here.
      this.logger.error(`After a revocation was committed: ${String(error)}`);
    }
  }
}

/** The claims revocation reads from a verified payload, with their types checked. */
function revocableClaims(payload: unknown): RevocableClaims {
  const p = (typeof payload === 'object' && payload !== null ? payload : {}) as Record<
    string,
    unknown
  >;
  const sub = typeof p.sub === 'number' && Number.isFinite(p.sub) ? String(p.sub) : p.sub;
  const wrong =
    typeof sub !== 'string' ||
    sub.length === 0 ||
    !optional(p.iat, 'number') ||
    !optional(p.jti, 'string') ||
    !optional(p.sid, 'string') ||
    !optional(p.uv, 'number') ||
    !optional(p.gv, 'number') ||
    !optional(p.cv, 'number');
  if (wrong) throw new InvalidTokenException('missing_claim', 'The access token is invalid');
  return {
    sub,
    iat: p.iat as number | undefined,
    jti: p.jti as string | undefined,
    sid: p.sid as string | undefined,
    uv: p.uv as number | undefined,
    gv: p.gv as number | undefined,
    cv: p.cv as number | undefined,
  };
}

function optional(value: unknown, type: 'number' | 'string'): boolean {
  return (
    value === undefined || (typeof value === type && (type !== 'number' || Number.isFinite(value)))
  );
}
