import { Inject, Injectable } from '@nestjs/common';
import { isIP } from 'node:net';
import {
  AuditEntry,
  AuditQuery,
  InjectRevocationStore,
  RevocationService,
  RevocationStore,
  SessionService,
  SessionView,
} from 'nestjs-jwt-revocation';
import { DataSource, QueryFailedError } from 'typeorm';
import { UserEntity } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import { CliError } from './cli.errors';

/** Who acts and why, as recorded in the audit trail. */
export interface Attribution {
  reason: string;
  actor: string;
}

/** What a revocation command did. */
export interface RevocationReport {
  kind: 'jti' | 'session' | 'user' | 'ip' | 'global';
  target: string;
  revoked: number;
  reason: string;
  actor: string;
  suspended?: boolean;
}

const MAX_REASON_LENGTH = 64;
const MAX_ACTOR_LENGTH = 128;
const MAX_ID_LENGTH = 255;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * What the incident CLI does, straight against the store through the library's services: each
 * revocation is durable when it returns and reaches running instances through the change log
 * and the transport, exactly like one made over HTTP.
 */
@Injectable()
export class IncidentService {
  constructor(
    @Inject(RevocationService) private readonly revocations: RevocationService,
    @Inject(SessionService) private readonly sessions: SessionService,
    @Inject(UsersService) private readonly users: UsersService,
    @InjectRevocationStore() private readonly store: RevocationStore,
    @Inject(DataSource) private readonly dataSource: DataSource,
  ) {}

  /** Ends every session and token of the user; with `suspend`, also refuses their next logins. */
  async revokeUser(idOrEmail: string, by: Attribution, suspend = false): Promise<RevocationReport> {
    const user = await this.findUser(idOrEmail);
    const { revoked } = await this.storeCall(() => this.revocations.revokeUser(user.id, by));
    // A login between the two calls is ended by the suspension, which revokes the user again.
    if (suspend && user.status === 'active')
      await this.storeCall(() => this.users.suspend(user.id, by.actor));
    return {
      kind: 'user',
      target: user.id,
      revoked,
      ...by,
      suspended: user.status !== 'active' || suspend,
    };
  }

  /** Ends one session, named by its id or by any token of it (whose `sid` is read, unverified). */
  async revokeSession(idOrToken: string, by: Attribution): Promise<RevocationReport> {
    const id = looksLikeJwt(idOrToken) ? claimOf(idOrToken, 'sid') : idOrToken;
    checkId('session', id);
    const session = await this.storeCall(() => this.sessions.find(id));
    if (!session) throw CliError.notFound(`No session ${id}`);
    const { revoked } = await this.storeCall(() => this.revocations.revokeSession(id, by));
    return { kind: 'session', target: id, revoked, ...by };
  }

  /** Revokes one access token, named by its `jti` or given whole (its `exp` then bounds the denial). */
  async revokeToken(jtiOrToken: string, by: Attribution): Promise<RevocationReport> {
    const whole = looksLikeJwt(jtiOrToken);
    const jti = whole ? claimOf(jtiOrToken, 'jti') : jtiOrToken;
    checkId('jti', jti);
    const exp = whole ? claimOf(jtiOrToken, 'exp') : undefined;
    const { revoked } = await this.storeCall(() => this.revocations.revokeToken(jti, by, exp));
    return { kind: 'jti', target: jti, revoked, ...by };
  }

  async revokeIp(ip: string, by: Attribution): Promise<RevocationReport> {
    if (isIP(ip) === 0) throw CliError.usage(`Not an IP address: ${JSON.stringify(ip)}`);
    const { revoked } = await this.storeCall(() => this.revocations.revokeIp(ip, by));
    return { kind: 'ip', target: ip, revoked, ...by };
  }

  /** The kill switch: every token and session issued before now, for every user. */
  async revokeAll(by: Attribution): Promise<RevocationReport> {
    const { revoked } = await this.storeCall(() => this.revocations.revokeAll(by));
    return { kind: 'global', target: '*', revoked, ...by };
  }

  async listSessions(idOrEmail: string): Promise<{ user: string; sessions: SessionView[] }> {
    const user = await this.findUser(idOrEmail);
    return { user: user.id, sessions: await this.storeCall(() => this.sessions.list(user.id)) };
  }

  audit(query: Partial<AuditQuery>): Promise<AuditEntry[]> {
    return this.storeCall(() => this.revocations.audit(query));
  }

  /** Checks `--reason` and `--actor` the way the admin API checks its body. */
  static attribution(reason: unknown, actor: unknown): Attribution {
    if (typeof reason !== 'string' || reason.trim() === '') {
      throw CliError.usage('--reason is required: it is recorded in the audit trail');
    }
    if (reason.length > MAX_REASON_LENGTH) {
      throw CliError.usage(`--reason must be at most ${MAX_REASON_LENGTH} characters`);
    }
    if (typeof actor !== 'string' || actor.trim() === '' || actor.length > MAX_ACTOR_LENGTH) {
      throw CliError.usage(`--actor must be 1 to ${MAX_ACTOR_LENGTH} characters`);
    }
    return { reason: reason.trim(), actor: actor.trim() };
  }

  private async findUser(idOrEmail: string): Promise<UserEntity> {
    const repository = this.dataSource.getRepository(UserEntity);
    const where = UUID.test(idOrEmail)
      ? { id: idOrEmail.toLowerCase() }
      : { email: idOrEmail.trim().toLowerCase() };
    const user = await this.storeCall(() => repository.findOneBy(where));
    if (!user) throw CliError.notFound(`No user ${idOrEmail}`);
    return user;
  }

  /**
   * Runs a call to the database. A query the database refused (locked, timed out, constraint) or a
   * failure while the store does not answer a ping is reported as `store_unavailable`: the write
   * was rolled back. Any other failure stays what it is.
   */
  private async storeCall<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof CliError) throw error;
      const refused =
        error instanceof QueryFailedError ||
        (await this.store.ping().then(
          () => false,
          () => true,
        ));
      if (!refused) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      throw CliError.storeUnavailable(`The revocation store is unavailable: ${reason}`);
    }
  }
}

function looksLikeJwt(value: string): boolean {
  return /^[\w-]+\.[\w-]+\.[\w-]*$/.test(value);
}

function checkId(name: string, value: string): void {
  if (value.trim() === '' || value.length > MAX_ID_LENGTH) {
    throw CliError.usage(`The ${name} must be 1 to ${MAX_ID_LENGTH} characters`);
  }
}

/** A claim of a JWT, unverified: the operator holds the token and names what it belongs to. */
function claimOf(token: string, name: 'sid' | 'jti'): string;
function claimOf(token: string, name: 'exp'): number;
function claimOf(token: string, name: string): unknown {
  let claims: Record<string, unknown> | null;
  try {
    claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as Record<
      string,
      unknown
    > | null;
  } catch {
    throw CliError.usage('The token is not a JWT: its payload is not JSON');
  }
  const value = claims?.[name];
  const type = name === 'exp' ? 'number' : 'string';
  if (typeof value !== type) throw CliError.usage(`The token has no ${type} "${name}" claim`);
  return value;
}
