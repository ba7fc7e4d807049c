import {
  ConflictException,
  ForbiddenException,
  Inject,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import {
  AccessTokenClaims,
  ClientContext,
  RefreshTokenReusedException,
  RevocationService,
  SessionService,
  SessionView,
  TokenPair,
  TokenRevokedException,
} from 'nestjs-jwt-revocation';
import { RevocationTriggers } from '../events/revocation-triggers.service';
import { TooManyRequestsException } from '../http/too-many-requests.exception';
import { PasswordHasher } from '../users/password.hasher';
import { UserEntity } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import { LoginThrottle } from './login.throttle';

/** The one answer to a wrong password, an unknown email and a deleted account. */
const INVALID_CREDENTIALS = {
  statusCode: 401,
  error: 'invalid_credentials',
  message: 'Invalid email or password',
};

/** Sessions store at most this much of the user agent; compare the same prefix. */
const USER_AGENT_LENGTH = 512;

/** Logins, refresh rotation, logouts and password changes. */
@Injectable()
export class AuthService {
  constructor(
    @Inject(UsersService) private readonly users: UsersService,
    @Inject(PasswordHasher) private readonly hasher: PasswordHasher,
    @Inject(LoginThrottle) private readonly throttle: LoginThrottle,
    @Inject(SessionService) private readonly sessions: SessionService,
    @Inject(RevocationService) private readonly revocations: RevocationService,
    @Inject(RevocationTriggers) private readonly triggers: RevocationTriggers,
  ) {}

  /** Checks the credentials (always one hash, known account or not) and starts a session. */
  async login(email: string, password: string, client: ClientContext): Promise<TokenPair> {
    return this.throttled(email, client.ip ?? null, async (failed, succeeded) => {
      const user = await this.users.findByEmail(email);
      const valid = await this.hasher.verify(user?.passwordHash ?? null, password);
      if (!user || !valid || user.status === 'deleted') {
        failed();
        throw new UnauthorizedException(INVALID_CREDENTIALS);
      }
      if (user.status === 'suspended') {
        throw new ForbiddenException({
          statusCode: 403,
          error: 'account_suspended',
          message: 'This account is suspended',
        });
      }
      await succeeded();
      return this.startSession(user, client);
    });
  }

  /**
   * Rotates a refresh token. Reuse of a rotated one (the library has already ended its session)
   * and a refresh from another user agent than the session's are reported as suspicious activity.
   */
  async refresh(refreshToken: string, client: ClientContext): Promise<TokenPair> {
    try {
      return await this.sessions.refresh(refreshToken, client, {
        beforeRotate: (session, context) => this.assertSameUserAgent(session, context),
      });
    } catch (error) {
      if (error instanceof RefreshTokenReusedException) {
        await this.triggers.suspiciousActivity({
          sessionId: error.sessionId,
          detail: 'refresh token reused',
          actor: 'system',
        });
      }
      throw error;
    }
  }

  async logout(claims: AccessTokenClaims): Promise<void> {
    await this.triggers.loggedOut({ sessionId: claims.sid, userId: claims.sub });
  }

  async logoutEverywhere(claims: AccessTokenClaims): Promise<void> {
    await this.triggers.loggedOutEverywhere({ userId: claims.sub, actor: claims.sub });
  }

  /** Changes the password, which ends every session of the user, then starts one for the caller. */
  async changePassword(
    claims: AccessTokenClaims,
    currentPassword: string,
    newPassword: string,
    client: ClientContext,
  ): Promise<TokenPair> {
    const user = await this.users.findById(claims.sub);
    if (!user || user.status !== 'active' || user.email === null)
      throw new TokenRevokedException('user');
    const email = user.email;
    return this.throttled(email, client.ip ?? null, async (failed) => {
      if (!(await this.hasher.verify(user.passwordHash, currentPassword))) {
        failed();
        throw new ForbiddenException({
          statusCode: 403,
          error: 'invalid_password',
          message: 'current_password is wrong',
        });
      }
      const changed = await this.users.changePassword(user, newPassword);
      return this.startSession(changed, client);
    });
  }

  /** The user's active sessions, the caller's marked `current`. */
  listSessions(claims: AccessTokenClaims): Promise<SessionView[]> {
    return this.sessions.list(claims.sub);
  }

  /** Ends one of the caller's own active sessions; false when there is no such session. */
  async endOwnSession(claims: AccessTokenClaims, sessionId: string): Promise<boolean> {
    const sessions = await this.sessions.list(claims.sub);
    if (!sessions.some((s) => s.id === sessionId)) return false;
    await this.triggers.loggedOut({ sessionId, userId: claims.sub, actor: claims.sub });
    return true;
  }

  /** Ends every active session of the caller's but the caller's own; returns how many. */
  async endOtherSessions(claims: AccessTokenClaims): Promise<number> {
    const others = (await this.sessions.list(claims.sub)).filter((s) => s.id !== claims.sid);
    for (const session of others) {
      await this.triggers.loggedOut({
        sessionId: session.id,
        userId: claims.sub,
        actor: claims.sub,
      });
    }
    return others.length;
  }

  /**
   * Issues a session, then makes sure the account did not change while it was issued (a password,
   * role or status change between reading the user and creating the session would otherwise
   * leave a session carrying the old state).
   */
  private async startSession(user: UserEntity, client: ClientContext): Promise<TokenPair> {
    const pair = await this.sessions.issue(user.id, { roles: user.roles, ...client });
    const now = await this.users.findById(user.id);
    if (now?.status !== 'active' || now.securityVersion !== user.securityVersion) {
      await this.revocations.revokeSession(pair.sessionId, {
        reason: 'account_changed',
        actor: 'system',
      });
      throw new ConflictException({
        statusCode: 409,
        error: 'account_changed',
        message: 'The account changed during sign-in; try again',
      });
    }
    return pair;
  }

  /**
   * Runs a password check as one attempt counted up front (429 + Retry-After over the limit). The
   * attempt stays counted when `failed()` was called; otherwise it is taken back, once, after
   * `succeeded()` (which also clears the account's failures) or when `run` ends without either.
   */
  private async throttled<T>(
    email: string,
    ip: string | null,
    run: (failed: () => void, succeeded: () => Promise<void>) => Promise<T>,
  ): Promise<T> {
    const wait = await this.throttle.reserve(email, ip);
    if (wait > 0) throw new TooManyRequestsException(wait);
    let settled = false;
    const failed = () => void (settled = true);
    const succeeded = async () => {
      settled = true;
      await this.throttle.recordSuccess(email, ip);
    };
    try {
      return await run(failed, succeeded);
    } finally {
      if (!settled) await this.throttle.release(email, ip).catch(() => undefined);
    }
  }

  private async assertSameUserAgent(session: SessionView, client: ClientContext): Promise<void> {
    const agent = client.userAgent ? client.userAgent.slice(0, USER_AGENT_LENGTH) : null;
    if (agent === session.userAgent) return;
    await this.triggers.suspiciousActivity({
      sessionId: session.id,
      detail: 'session refreshed from a different user agent',
      actor: 'system',
    });
    throw new TokenRevokedException('suspicious_activity');
  }
}
