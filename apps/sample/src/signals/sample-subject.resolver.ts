import { Inject, Injectable } from '@nestjs/common';
import { RevocationStore } from 'nestjs-jwt-revocation';
import type { SignalSubject, SignalSubjectResolver } from 'nestjs-jwt-revocation/signals';
import { DataSource, Not, Repository } from 'typeorm';
import { UserEntity } from '../users/user.entity';

/**
 * Maps IdP subjects onto the sample's accounts: `email` by address, `iss_sub` and `opaque` by
 * account id or, failing that, by address (IdPs that use the email as `sub`). Sessions are
 * matched by the sample's own session id, and only when they belong to the user named with them.
 */
@Injectable()
export class SampleSubjectResolver implements SignalSubjectResolver {
  private readonly users: Repository<UserEntity>;

  constructor(
    @Inject(DataSource) dataSource: DataSource,
    @Inject(RevocationStore) private readonly store: RevocationStore,
  ) {
    this.users = dataSource.getRepository(UserEntity);
  }

  async resolveUser(subject: SignalSubject): Promise<string | null> {
    const key =
      subject.format === 'email'
        ? subject.email
        : subject.format === 'iss_sub'
          ? subject.sub
          : subject.format === 'opaque'
            ? subject.id
            : undefined;
    if (typeof key !== 'string' || key === '' || key.length > 254) return null;
    const living = { status: Not('deleted' as const) };
    const user =
      (subject.format !== 'email' ? await this.users.findOneBy({ id: key, ...living }) : null) ??
      (await this.users.findOneBy({ email: key.toLowerCase(), ...living }));
    return user?.id ?? null;
  }

  async resolveSessions(session: SignalSubject, user: string | null): Promise<string[]> {
    if (session.format !== 'opaque' || typeof session.id !== 'string' || session.id.length > 64)
      return [];
    const found = await this.store.findSession(session.id);
    return found && (user === null || found.subject === user) ? [found.id] : [];
  }
}
