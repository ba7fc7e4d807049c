import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SampleConfig } from '../config/sample.config';
import { UsersService } from './users.service';

/** Creates the `ADMIN_EMAIL` account at boot when no account has that email. */
@Injectable()
export class AdminAccountBootstrap implements OnApplicationBootstrap {
  private readonly logger = new Logger('Sample');

  constructor(
    @Inject(SampleConfig) private readonly config: SampleConfig,
    @Inject(UsersService) private readonly users: UsersService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const admin = this.config.admin;
    if (!admin || (await this.users.findByEmail(admin.email))) return;
    try {
      await this.users.create(admin.email, admin.password, ['admin']);
      this.logger.log(`Created the admin account ${admin.email}`);
    } catch (error) {
      // Another instance booting at the same time created it first.
      if (!(await this.users.findByEmail(admin.email))) throw error;
    }
  }
}
