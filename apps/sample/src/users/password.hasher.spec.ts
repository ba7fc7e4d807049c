import { PasswordHasher } from './password.hasher';

describe('PasswordHasher', () => {
  const hasher = new PasswordHasher();

  beforeAll(() => hasher.onModuleInit());

  it('hashes with argon2id at m=19 MiB, t=2, p=1', async () => {
    const hash = await hasher.hash('correct horse battery');
    const [, algorithm, , params] = hash.split('$');
    expect(algorithm).toBe('argon2id');
    expect(params.split(',').sort()).toEqual(['m=19456', 'p=1', 't=2']);
    await expect(hasher.verify(hash, 'correct horse battery')).resolves.toBe(true);
    await expect(hasher.verify(hash, 'wrong horse battery')).resolves.toBe(false);
  });

  it('refuses a missing hash or a damaged one', async () => {
    await expect(hasher.verify(null, 'dummy password that matches no account')).resolves.toBe(
      false,
    );
    await expect(hasher.verify('not-a-hash', 'anything')).resolves.toBe(false);
  });

  it('spends about as long on an unknown account as on a wrong password', async () => {
    const hash = await hasher.hash('correct horse battery');
    const time = async (stored: string | null) => {
      const started = process.hrtime.bigint();
      for (let i = 0; i < 3; i++) await hasher.verify(stored, 'wrong horse battery');
      return Number(process.hrtime.bigint() - started);
    };
    await time(hash);
    const known = await time(hash);
    const unknown = await time(null);
    expect(unknown).toBeGreaterThan(known * 0.5);
  });
});
