import { ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Clock } from 'nestjs-jwt-revocation';
import {
  DataSource,
  EntityManager,
  FindOptionsWhere,
  QueryFailedError,
  Raw,
  Repository,
} from 'typeorm';
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
 * Accounts. Every change that concerns the user's tokens updates the row and emits the library's
 * event in one transaction: a role change refreshes the claims of the user's tokens (sessions
 * survive), a password change, suspension or deletion ends them.
 */
@Injectable()
export class UsersService {
  private readonly users: Repository<UserEntity>;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
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
    await this.updateAndRevoke(user.id, { passwordHash }, (transaction) =>
      this.triggers.passwordChanged({ userId: user.id, actor: user.id, transaction }),
    );
    return this.findOrFail(user.id);
  }

  async setRoles(id: string, roles: string[], actor: string): Promise<UserEntity> {
    await this.requireLiving(id);
    await this.updateAndRevoke(id, { roles }, (transaction) =>
      this.triggers.rolesChanged({ userId: id, roles, actor, transaction }),
    );
    return this.findOrFail(id);
  }

  async suspend(id: string, actor: string): Promise<void> {
    await this.requireLiving(id);
    await this.updateAndRevoke(id, { status: 'suspended' }, (transaction) =>
      this.triggers.accountSuspended({ userId: id, actor, transaction }),
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
      (transaction) => this.triggers.accountDeleted({ userId: id, actor, transaction }),
    );
  }

  /**
   * Writes the change (raising `securityVersion`, which a sign-in in flight checks in `AuthService`)
   * and the revocation in one transaction: both commit, or neither does (a failure or timeout is a
   * 503 with nothing half-done, one audit entry when it succeeds). The library enforces and
   * announces the revocation once the transaction has committed.
   */
  private async updateAndRevoke(
    id: string,
    changes: Partial<UserEntity>,
    revoke: (transaction: EntityManager) => Promise<void>,
  ): Promise<void> {
    await this.dataSource.transaction(async (em) => {
      await em.update(
        UserEntity,
        { id },
        { ...changes, securityVersion: () => 'security_version + 1', updatedAt: this.clock.now() },
      );
      await revoke(em);
    });
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
