import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../clock';
import { JwtRevocationConfig } from '../jwt-revocation.config';
import {
  RevocationContext,
  RevocationResult,
  RevocationService,
} from '../revocation/revocation.service';
import { RevocationSync } from '../revocation/revocation-sync.service';
import { RevocationStore } from '../storage/revocation-store.interface';
import { newTokenId } from '../tokens/token.issuer';
import { type ClientContext, newSessionRecord } from './session.service';

/** A session opened for tokens the app signs itself. Keep `sid`, `uv` and `gv` to stamp more tokens of it. */
export interface OpenedSession {
  /** Session id: the `sid` claim. */
  sid: string;
  /** The user's revocation version when the session began: the `uv` claim. */
  uv: number;
  /** The global revocation version when the session began: the `gv` claim. */
  gv: number;
}

/** The claims stamped into a payload: what revocation checks by, beside `sub` and `iat`. */
export interface RevocationClaims extends OpenedSession {
  sub: string | number;
  /** A new token id: the `jti` claim, revocable alone with `RevocationService.revokeToken`. */
  jti: string;
  /** The OAuth client the token is issued to (RFC 9068 §2.2): `defaultClientId` unless named. */
  client_id: string;
}

/**
 * For apps that sign their own tokens (e.g. `@nestjs/jwt`'s `JwtService`) and check them with
 * their own strategy: opens and ends sessions in the store and stamps `jti`, `sid`, `uv` and `gv`
 * into the payloads they sign, so that logout, user-wide and global revocations end those tokens.
 *
 * @example
 * ```ts
 * const payload = await this.claims.stamp(user.userId, { username: user.username });
 * return { access_token: await this.jwtService.signAsync(payload) };
 * ```
 */
@Injectable()
export class RevocationClaimsService {
  constructor(
    @Inject(RevocationStore) private readonly store: RevocationStore,
    @Inject(RevocationSync) private readonly sync: RevocationSync,
    @Inject(RevocationService) private readonly revocations: RevocationService,
    @Inject(JwtRevocationConfig) private readonly config: JwtRevocationConfig,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  /**
   * Opens a session for `subject` and returns `payload` with `sub`, `jti`, `sid`, `uv`, `gv` and
   * `client_id` (`context.clientId`, a registered client; default `defaultClientId`), ready for
   * `JwtService.sign()` or `signAsync()`. Resolves once the session is durable.
   */
  async stamp<T extends object>(
    subject: string | number,
    payload: T = {} as T,
    context: ClientContext & { roles?: string[]; clientId?: string } = {},
  ): Promise<Omit<T, keyof RevocationClaims> & RevocationClaims> {
    const clientId = this.registeredClient(context.clientId);
    const session = await this.openSession(subject, context);
    return this.stampSession(subject, session, payload, clientId);
  }

  /**
   * Stamps one more token of an open session (synchronously: no I/O), e.g. a token you re-sign
   * on refresh. The session's revocations apply to it as to the first.
   */
  stampSession<T extends object>(
    subject: string | number,
    session: OpenedSession,
    payload: T = {} as T,
    clientId?: string,
  ): Omit<T, keyof RevocationClaims> & RevocationClaims {
    const { sid, uv, gv } = session;
    const client_id = this.registeredClient(clientId);
    return { ...payload, sub: subject, jti: newTokenId(), sid, uv, gv, client_id };
  }

  private registeredClient(clientId = this.config.clients.defaultClientId): string {
    if (!this.config.clients.find(clientId)) {
      throw new Error(`jwt-revocation: client ${JSON.stringify(clientId)} is not registered.`);
    }
    return clientId;
  }

  /**
   * Records a new session of `subject` in the store (so that it can be listed and ended) and
   * returns the claims that tie tokens to it. It ends at the latest after `sessionAbsoluteTimeout`.
   */
  async openSession(
    subject: string | number,
    context: ClientContext & { roles?: string[] } = {},
  ): Promise<OpenedSession> {
    const sub = String(subject);
    const versions = await this.store.versions(sub);
    // Its refresh jti is never presented (the app refreshes its own way), so `refresh()` stays shut.
    const session = newSessionRecord(sub, context, versions, this.clock.now(), this.config);
    await this.sync.publish([await this.store.createSession(session)]);
    return { sid: session.id, uv: versions.user, gv: versions.global };
  }

  /** Ends a session (logout): every token stamped with its `sid` is refused from now on. */
  closeSession(sid: string, context: Partial<RevocationContext> = {}): Promise<RevocationResult> {
    return this.revocations.revokeSession(sid, { reason: 'logout', ...context });
  }
}
