import { Injectable, OnModuleInit } from '@nestjs/common';
import * as argon2 from 'argon2';

/** OWASP's argon2id parameters: 19 MiB, 2 iterations, 1 lane. */
const ARGON2_OPTIONS = {
  type: argon2.argon2id,
  memoryCost: 19456,
  timeCost: 2,
  parallelism: 1,
} as const;

/** Hashes and checks passwords with argon2id. */
@Injectable()
export class PasswordHasher implements OnModuleInit {
  private dummyHash?: Promise<string>;

  async onModuleInit(): Promise<void> {
    this.dummyHash ??= this.hash('dummy password that matches no account');
    await this.dummyHash;
  }

  hash(password: string): Promise<string> {
    return argon2.hash(password, ARGON2_OPTIONS);
  }

  /**
   * Whether `password` matches `hash`. Without a hash (unknown or deleted account) it still checks
   * against a dummy one, so the answer takes as long either way.
   */
  async verify(hash: string | null, password: string): Promise<boolean> {
    this.dummyHash ??= this.hash('dummy password that matches no account');
    const target = hash ?? (await this.dummyHash);
    try {
      return (await argon2.verify(target, password)) && hash !== null;
    } catch {
      return false;
    }
  }
}
