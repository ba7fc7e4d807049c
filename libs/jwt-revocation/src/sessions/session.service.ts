import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../clock';
import { JwtRevocationConfig } from '../jwt-revocation.config';
import type { ErrorDetail } from '../jwt-revocation.options';
import {
  InvalidGrantException,
  InvalidTokenException,
  TokenRevokedException,
} from '../jwt-revocation.exceptions';
import { RevocationContext, RevocationService } from '../revocation/revocation.service';
import { RevocationSync } from '../revocation/revocation-sync.service';
import {
  RefreshRotation,
  RevocationStore,
  RevocationVersions,
  SessionRecord,
} from '../storage/revocation-store.interface';
import { isSessionActive } from '../storage/session-state';
import { withinBudget } from '../storage/bounded-revocation.store';
import type { AccessTokenClaims, RefreshTokenClaims } from '../tokens/token.claims';
import { newTokenId, TokenIssuer } from '../tokens/token.issuer';
import { TokenVerifier } from '../tokens/token.verifier';

/** Where a client is calling from. Recorded on the session. */
export interface ClientContext {
  ip?: string | null;
  userAgent?: string | null;
}

/** Options of `SessionService.issue()`. */
export interface IssueOptions extends ClientContext {
  /** Roles written to the session's access tokens. */
  roles?: string[];
  /** The registered OAuth client the tokens are issued to (their `client_id`). Default: `defaultClientId`. */
  clientId?: string;
}

/** An access + refresh token pair (the fields of an RFC 6749 §5.1 response, camel-cased). */
export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  /** Access-token lifetime in seconds. */
  expiresIn: number;
  sessionId: string;
  claims: AccessTokenClaims;
}

/** A session as shown to its user. Times in ms. */
export interface SessionView {
  id: string;
  subject: string;
  roles: string[];
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
  ip: string | null;
  lastIp: string | null;
  userAgent: string | null;
}

/** Hooks of `refresh()`. */
export interface RefreshOptions {
  /**
   * Runs before a rotation with the stored session: throw to refuse (e.g. after revoking it because
   * the user agent changed). Not called for a grace-window retry.
   */
  beforeRotate?: (session: SessionView, context: ClientContext) => void | Promise<void>;
}

/** Presented refresh token had already been rotated: its whole session was revoked. */
export class RefreshTokenReusedException extends InvalidGrantException {
  constructor(
    readonly sessionId: string,
    readonly subject: string,
    description = 'The refresh token has been revoked; log in again',
  ) {
    super('refresh_reuse', description);
  }
}

/** Issues sessions, rotates refresh tokens (single use, with reuse detection) and lists or ends sessions. */
@Injectable()
export class SessionService {
  constructor(
    @Inject(RevocationStore) private readonly store: RevocationStore,
    @Inject(RevocationService) private readonly revocations: RevocationService,
    @Inject(RevocationSync) private readonly sync: RevocationSync,
    @Inject(TokenIssuer) private readonly issuer: TokenIssuer,
    @Inject(TokenVerifier) private readonly verifier: TokenVerifier,
    @Inject(JwtRevocationConfig) private readonly config: JwtRevocationConfig,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  /**
   * Starts a session for `subject` and returns its first token pair, issued to `options.clientId`.
   * Throws when that client is not registered.
   */
  issue(subject: string, options: IssueOptions = {}): Promise<TokenPair> {
    const clientId = options.clientId ?? this.config.clients.defaultClientId;
    if (!this.config.clients.find(clientId)) {
      return Promise.reject(
        new Error(`jwt-revocation: client ${JSON.stringify(clientId)} is not registered.`),
      );
    }
    return this.withinDeadline((store) => this.startSession(store, subject, options, clientId));
  }

  private async startSession(
    store: RevocationStore,
    subject: string,
    options: IssueOptions,
    clientId: string,
  ): Promise<TokenPair> {
    const now = this.clock.now();
    const session = newSessionRecord(
      subject,
      options,
      await store.versions(subject),
      now,
      this.config,
    );
    await this.sync.publish([await store.createSession(session)]);
    return this.pair(session, now, clientId);
  }

  /**
   * Rotates a refresh token: returns a new pair and invalidates the one presented. Presenting a
   * token that was already rotated revokes the whole session, except within `refreshReuseGrace`
   * after the rotation, where the same successor is returned again (never a second one).
   * Every refusal is an `InvalidGrantException` (RFC 6749 §5.2); reuse is its subclass
   * `RefreshTokenReusedException`. After a claims change (`RevocationService.changeClaims`), the new
   * access token carries the claims `claimsLoader` returns.
   */
  refresh(
    refreshToken: unknown,
    context: ClientContext = {},
    options: RefreshOptions = {},
  ): Promise<TokenPair> {
    return this.withinDeadline(async (store) => {
      try {
        return await this.rotate(store, refreshToken, context, options);
      } catch (error) {
        throw this.asInvalidGrant(error);
      }
    });
  }

  /**
   * RFC 6749 §5.2 `invalid_grant` for a refused refresh token. The description says what the
   * client can do (log in again) unless `errorDetail` is `verbose`. Other errors (a store outage)
   * pass unchanged.
   */
  private asInvalidGrant(error: unknown): unknown {
    if (!(error instanceof InvalidTokenException)) return error;
    const description = refreshRefusal(error, this.config.errorDetail);
    return new InvalidGrantException(
      error instanceof TokenRevokedException ? `revoked_${error.revokedBy}` : error.reason,
      description,
      { cause: error },
    );
  }

  private async rotate(
    store: RevocationStore,
    refreshToken: unknown,
    context: ClientContext,
    options: RefreshOptions,
  ): Promise<TokenPair> {
    const claims = this.verifier.verifyRefreshToken(refreshToken);
    const clientId = this.config.clients.clientIdOf(claims);
    if (!this.config.clients.allowsGrant(clientId, 'refresh_token')) {
      throw new InvalidGrantException(
        'client_not_allowed',
        'The refresh token was issued to a client that may not refresh tokens',
      );
    }
    const live = await this.liveSession(store, claims);
    let session = live.session;
    if (claims.jti === session.refreshJti) {
      await options.beforeRotate?.(toView(session), context);
      const current = await this.currentClaims(session, live.versions);
      const now = this.clock.now();
      const next = {
        nextJti: newTokenId(),
        issuedAt: now,
        expiresAt: Math.min(now + this.config.refreshTokenTtlMs, session.expiresAt),
      };
      const rotation: RefreshRotation = {
        sessionId: session.id,
        expectedJti: claims.jti,
        ...next,
        at: now,
        ip: clip(context.ip, 64),
        ...(current ? { claims: current } : {}),
      };
      if (await store.rotateRefresh(rotation)) {
        return this.pair(
          {
            ...session,
            ...(current ? { roles: current.roles, claimsVersion: current.version } : {}),
            refreshJti: next.nextJti,
            refreshIssuedAt: next.issuedAt,
            refreshExpiresAt: next.expiresAt,
            previousRefreshJti: claims.jti,
            rotatedAt: now,
            lastSeenAt: now,
          },
          now,
          clientId,
        );
      }
      session = (await this.liveSession(store, claims)).session;
    }
    const now = this.clock.now();
    const withinGrace =
      this.config.refreshReuseGraceMs > 0 &&
      claims.jti === session.previousRefreshJti &&
      session.rotatedAt !== null &&
      now - session.rotatedAt <= this.config.refreshReuseGraceMs;
    if (withinGrace) return this.pair(session, now, clientId);
    await this.revocations.revokeSessionWithin(store, session.id, {
      reason: 'refresh_reuse',
      actor: 'system',
    });
    throw new RefreshTokenReusedException(
      session.id,
      session.subject,
      REUSE_DESCRIPTIONS[this.config.errorDetail],
    );
  }

  /** Ends one session (its access tokens and refresh tokens). */
  logout(
    sessionId: string,
    context: Partial<RevocationContext> = {},
  ): Promise<{ revoked: number }> {
    return this.revocations.revokeSession(sessionId, { reason: 'logout', ...context });
  }

  /** The user's active sessions, oldest first. */
  async list(subject: string): Promise<SessionView[]> {
    const now = this.clock.now();
    const sessions = await this.store.listSessions(subject, now);
    return sessions.filter((s) => !this.isIdle(s, now)).map(toView);
  }

  /** The session if it exists, whatever its state. */
  async find(sessionId: string): Promise<SessionView | null> {
    const session = await this.store.findSession(sessionId);
    return session ? toView(session) : null;
  }

  /**
   * The session while it may still be used: not revoked (alone, user-wide or globally), not past its
   * absolute end, not idle. With `refreshJti`, only while that refresh token is the session's current
   * one. `null` otherwise. Reads the store: for token introspection and account pages, not per request.
   */
  async findActive(
    sessionId: string,
    options: { refreshJti?: string } = {},
  ): Promise<SessionView | null> {
    const session = await this.store.findSession(sessionId);
    if (!session) return null;
    if (options.refreshJti !== undefined && session.refreshJti !== options.refreshJti) return null;
    const now = this.clock.now();
    const versions = await this.store.versions(session.subject);
    return isSessionActive(session, versions, now) && !this.isIdle(session, now)
      ? toView(session)
      : null;
  }

  /** Ends a session of `subject`; false when the user has no such active session. */
  revokeOwn(
    subject: string,
    sessionId: string,
    context: Partial<RevocationContext> = {},
  ): Promise<boolean> {
    return this.withinDeadline((store) =>
      this.revokeOwnSession(store, subject, sessionId, context),
    );
  }

  private async revokeOwnSession(
    store: RevocationStore,
    subject: string,
    sessionId: string,
    context: Partial<RevocationContext>,
  ): Promise<boolean> {
    const session = await store.findSession(sessionId);
    if (!session || session.subject !== subject) return false;
    const versions = await store.versions(subject);
    if (!isSessionActive(session, versions, this.clock.now())) return false;
    await this.revocations.revokeSessionWithin(store, sessionId, { reason: 'logout', ...context });
    return true;
  }

  /**
   * The user's claims when they changed since the session's were loaded, or `undefined`. The
   * version is read before the claims, so claims changed meanwhile come with a version still too
   * low: their tokens are refused at once and the next refresh loads again.
   */
  private async currentClaims(
    session: SessionRecord,
    versions: RevocationVersions,
  ): Promise<{ roles: string[]; version: number } | undefined> {
    const version = versions.claims ?? 0;
    if (version <= (session.claimsVersion ?? 0)) return undefined;
    const loaded = await this.config.claimsLoader?.(session.subject);
    if (!loaded || !Array.isArray(loaded.roles)) throw new TokenRevokedException('claims');
    return { roles: loaded.roles.map(String), version };
  }

  private async liveSession(
    store: RevocationStore,
    claims: RefreshTokenClaims,
  ): Promise<{ session: SessionRecord; versions: RevocationVersions }> {
    const session = await store.findSession(claims.sid);
    if (!session || session.subject !== claims.sub) throw new TokenRevokedException('session');
    const now = this.clock.now();
    if (session.revokedAt === null && session.expiresAt <= now) {
      await this.revocations.revokeSessionWithin(store, session.id, {
        reason: 'session_timeout',
        actor: 'system',
      });
      throw new InvalidTokenException(
        'expired',
        'The refresh token has expired: its session reached its maximum lifetime',
      );
    }
    const versions = await store.versions(session.subject);
    if (!isSessionActive(session, versions, now)) throw new TokenRevokedException('session');
    if (claims.uv < versions.user || claims.gv < versions.global)
      throw new TokenRevokedException('user');
    if (this.isIdle(session, now)) {
      await this.revocations.revokeSessionWithin(store, session.id, {
        reason: 'session_timeout',
        actor: 'system',
      });
      throw new InvalidTokenException(
        'expired',
        'The refresh token has expired: its session was idle for too long',
      );
    }
    return { session, versions };
  }

  /** One `storeTimeout` for all the store calls of an operation, not one per call. */
  private withinDeadline<T>(work: (store: RevocationStore) => Promise<T>): Promise<T> {
    return work(withinBudget(this.store, this.config.storeTimeoutMs));
  }

  private isIdle(session: SessionRecord, now: number): boolean {
    const idle = this.config.sessionIdleTimeoutMs;
    return idle > 0 && now - session.lastSeenAt > idle;
  }

  private pair(session: SessionRecord, now: number, clientId: string): TokenPair {
    const access = this.issuer.signAccessToken(session, now, clientId);
    return {
      accessToken: access.token,
      refreshToken: this.issuer.signRefreshToken(session, clientId),
      tokenType: 'Bearer',
      expiresIn: Math.max(0, access.claims.exp - access.claims.iat),
      sessionId: session.id,
      claims: access.claims,
    };
  }
}

function toView(s: SessionRecord): SessionView {
  return {
    id: s.id,
    subject: s.subject,
    roles: s.roles,
    createdAt: s.createdAt,
    lastSeenAt: s.lastSeenAt,
    expiresAt: s.expiresAt,
    ip: s.ip,
    lastIp: s.lastIp,
    userAgent: s.userAgent,
  };
}

/** A new, active session of `subject` as of `now`, at the current versions. */
export function newSessionRecord(
  subject: string,
  options: { roles?: string[] } & ClientContext,
  versions: RevocationVersions,
  now: number,
  config: Pick<JwtRevocationConfig, 'sessionAbsoluteTimeoutMs' | 'refreshTokenTtlMs'>,
): SessionRecord {
  const expiresAt = now + config.sessionAbsoluteTimeoutMs;
  return {
    id: newTokenId(),
    subject,
    roles: [...(options.roles ?? [])],
    createdAt: now,
    lastSeenAt: now,
    expiresAt,
    ip: clip(options.ip, 64),
    lastIp: clip(options.ip, 64),
    userAgent: clip(options.userAgent, 512),
    userVersion: versions.user,
    globalVersion: versions.global,
    claimsVersion: versions.claims ?? 0,
    refreshJti: newTokenId(),
    refreshIssuedAt: now,
    refreshExpiresAt: Math.min(now + config.refreshTokenTtlMs, expiresAt),
    previousRefreshJti: null,
    rotatedAt: null,
    revokedAt: null,
    revokedReason: null,
  };
}

function clip(value: string | null | undefined, max: number): string | null {
  return typeof value === 'string' && value.length > 0 ? value.slice(0, max) : null;
}

const REUSE_DESCRIPTIONS: Record<ErrorDetail, string | undefined> = {
  generic: 'The refresh token is invalid',
  actionable: undefined,
  verbose: 'The refresh token was already used; its session has ended, log in again',
};

/** The `error_description` of a refused refresh token, as much as `errorDetail` lets it say. */
function refreshRefusal(error: InvalidTokenException, detail: ErrorDetail): string {
  if (detail === 'generic') return 'The refresh token is invalid';
  if (error instanceof TokenRevokedException) {
    const by = detail === 'verbose' ? ` (${error.revokedBy})` : '';
    return `The refresh token has been revoked; log in again${by}`;
  }
  if (detail === 'verbose') return error.message;
  return error.reason === 'expired'
    ? 'The refresh token has expired; log in again'
    : 'The refresh token is invalid';
}
