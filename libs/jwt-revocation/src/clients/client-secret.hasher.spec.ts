import { hashClientSecret, isClientSecretHash, verifyClientSecret } from './client-secret.hasher';

describe('client secret hashes', () => {
  const generated = 'Zm9vYmFyLWdlbmVyYXRlZC1zZWNyZXQtb2YtMzItYnl0ZXM';

  it('hashes with scrypt by default, salted, and verifies only the same secret', async () => {
    const hash = await hashClientSecret('s3cret: with spaces & ünïcode');
    const again = await hashClientSecret('s3cret: with spaces & ünïcode');
    expect(hash).toMatch(/^\$scrypt\$ln=15,r=8,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]{43}$/);
    expect(again).not.toBe(hash);
    expect(isClientSecretHash(hash)).toBe(true);
    expect(await verifyClientSecret(hash, 's3cret: with spaces & ünïcode')).toBe(true);
    expect(await verifyClientSecret(hash, 's3cret: with spaces & ünïcodE')).toBe(false);
    expect(await verifyClientSecret(hash, '')).toBe(false);
  });

  it('hashes long generated secrets with SHA-256 and refuses short ones', async () => {
    const hash = await hashClientSecret(generated, 'sha256');
    expect(hash).toMatch(/^sha256:[A-Za-z0-9_-]{43}$/);
    expect(await verifyClientSecret(hash, generated)).toBe(true);
    expect(await verifyClientSecret(hash, `${generated}x`)).toBe(false);
    await expect(hashClientSecret('short-secret', 'sha256')).rejects.toThrow(/scrypt/);
    await expect(hashClientSecret('')).rejects.toThrow(/non-empty/);
  });

  it.each([
    ['the secret itself', 'my-client-secret'],
    ['a truncated SHA-256', 'sha256:abc'],
    ['scrypt with an absurd cost', `$scrypt$ln=40,r=8,p=1$${'A'.repeat(22)}$${'A'.repeat(43)}`],
    ['an argon2 hash', '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g'],
  ])('does not read %s as a hash', async (_, hash) => {
    expect(isClientSecretHash(hash)).toBe(false);
    expect(await verifyClientSecret(hash, hash)).toBe(false);
  });
});
