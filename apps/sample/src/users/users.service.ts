import { ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Clock } from 'nestjs-jwt-revocation';
import { DataSource, FindOptionsWhere, QueryFailedError, Raw, Repository } from 'typeorm';
import { RevocationTriggers } from '../events/revocation-triggers.service';
import { PasswordHasher } from './password.hasher';
import { UserEntity, UserStatus } from './user.entity';

/** Role every new account gets. */
export const DEFAULT_ROLE = 'user';

const EMAIL_TAKEN = {
  statusCode: 409,
  error: 'email_taken',
  message: 'An account with this email exists',
};

/**
 * Accounts. Every change that must end the user's tokens (password, roles, suspension, deletion)
 * first updates the row, so no new login can use the old state, then emits the library's event.
 */
@Injectable()
export class UsersService {
  private readonly users: Repository<UserEntity>;

  constructor(
    @Inject(DataSource) dataSource: DataSource,
    @Inject(PasswordHasher) private readonly hasher: PasswordHasher,
    @Inject(RevocationTriggers) private readonly triggers: RevocationTriggers,
    @Inject(Clock) private readonly clock: Clock,
  ) {
    this.users = dataSource.getRepository(UserEntity);
  }

  /** Creates an active account; 409 when the email is taken. `email` must be normalized. */
  async create(email: string, password: string, roles = [DEFAULT_ROLE]): Promise<UserEntity> {
    if (await this.users.existsBy({ email })) throw new ConflictException(EMAIL_TAKEN);
    const now = this.clock.now();
    const user = this.users.create({
      id: randomUUID(),
      email,
      passwordHash: await this.hasher.hash(password),
      roles,
      status: 'active',
      securityVersion: 0,
      createdAt: now,
      updatedAt: now,
    });
    try {
      await this.users.insert(user);
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictException(EMAIL_TAKEN);
      throw error;
    }
    return user;
  }

  findById(id: string): Promise<UserEntity | null> {
    return this.users.findOneBy({ id });
  }

  findByEmail(email: string): Promise<UserEntity | null> {
    return this.users.findOneBy({ email });
  }

  /**
   * Accounts, deleted ones included, oldest first; `filter.email` keeps those whose email contains
   * it (case-insensitive), `filter.status` those in that state.
   */
  list(
    limit: number,
    offset: number,
    filter: { email?: string; status?: UserStatus } = {},
  ): Promise<UserEntity[]> {
    const where: FindOptionsWhere<UserEntity> = {};
    if (filter.email) {
      const pattern = `%${escapeLike(filter.email.toLowerCase())}%`;
      where.email = Raw((column) => `${column} LIKE :pattern ESCAPE '!'`, { pattern });
    }
    if (filter.status) where.status = filter.status;
    return this.users.find({
      where,
      order: { createdAt: 'ASC', id: 'ASC' },
      take: limit,
      skip: offset,
    });
  }

  async changePassword(user: UserEntity, password: string): Promise<UserEntity> {
    const passwordHash = await this.hasher.hash(password);
    await this.updateAndRevoke(user.id, { passwordHash }, () =>
      this.triggers.passwordChanged({ userId: user.id, actor: user.id }),
    );
    return this.findOrFail(user.id);
  }

  async setRoles(id: string, roles: string[], actor: string): Promise<UserEntity> {
    await this.requireLiving(id);
    await this.updateAndRevoke(id, { roles }, () =>
      this.triggers.rolesChanged({ userId: id, roles, actor }),
    );
    return this.findOrFail(id);
  }

  async suspend(id: string, actor: string): Promise<void> {
    await this.requireLiving(id);
    await this.updateAndRevoke(id, { status: 'suspended' }, () =>
      this.triggers.accountSuspended({ userId: id, actor }),
    );
  }

  /** Lets the account log in again; tokens revoked by the suspension stay revoked. */
  async reinstate(id: string): Promise<void> {
    await this.requireLiving(id);
    await this.users.update({ id }, { status: 'active', updatedAt: this.clock.now() });
  }

  /** Leaves a tombstone: the id stays taken, the email is freed, the password is gone. */
  async delete(id: string, actor: string): Promise<void> {
    await this.requireLiving(id);
    await this.updateAndRevoke(
      id,
      { status: 'deleted', email: null, passwordHash: null, roles: [] },
      () => this.triggers.accountDeleted({ userId: id, actor }),
    );
  }

  /**
   * Writes a change that must end the user's tokens, with the revocation on both sides of it, so a
   * slow or failing database never leaves the change applied and the old sessions alive:
   * - before: if the write or the second revocation then fails or times out (503, outcome unknown),
   *   the sessions that existed are already ended even if the write lands late; if this first
   *   revocation fails, nothing has changed;
   * - after: ends a sign-in that read the old state while the write was in flight (the sign-in's
   *   own check in `AuthService` catches the ones that finish later).
   * Each revocation raises the user's version; doing it twice is harmless (it only ends tokens
   * issued before it) and is what a client's retry after a 503 does anyway.
   */
  private async updateAndRevoke(
    id: string,
    changes: Partial<UserEntity>,
    revoke: () => Promise<void>,
  ): Promise<void> {
    await revoke();
    await this.update(id, changes);
    await revoke();
  }

  /** Writes a change that revokes the user's tokens, raising `securityVersion`. */
  private async update(id: string, changes: Partial<UserEntity>): Promise<void> {
    await this.users.update(
      { id },
      { ...changes, securityVersion: () => 'security_version + 1', updatedAt: this.clock.now() },
    );
  }

  private async findOrFail(id: string): Promise<UserEntity> {
    const user = await this.findById(id);
    if (!user)
      throw new NotFoundException({ statusCode: 404, error: 'not_found', message: 'No such user' });
    return user;
  }

  private async requireLiving(id: string): Promise<UserEntity> {
    const user = await this.findById(id);
    if (!user || user.status === 'deleted') {
      throw new NotFoundException({ statusCode: 404, error: 'not_found', message: 'No such user' });
    }
    return user;
  }
}

/** `value` matched literally by `LIKE ... ESCAPE '!'` (one escape character all three databases read alike). */
function escapeLike(value: string): string {
  return value.replace(/[!%_]/g, (c) => `!${c}`);
}

/** A unique-key violation on SQLite, Postgres or MySQL/MariaDB. */
export function isUniqueViolation(error: unknown): boolean {
  if (!(error instanceof QueryFailedError)) return false;
  const driverError = error.driverError as { code?: string; errno?: number };
  return (
    driverError.code === '23505' ||
    driverError.code === 'ER_DUP_ENTRY' ||
    driverError.errno === 1062 ||
    (typeof driverError.code === 'string' && driverError.code.startsWith('SQLITE_CONSTRAINT'))
  );
}
