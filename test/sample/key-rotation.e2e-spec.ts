import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, TestDatabase } from '../support/databases';
import { alignClocks, sampleMatrix, SampleTestApp, Tokens } from './support/sample-app';

const kidOf = (token: string): unknown =>
  JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString('utf8')).kid;

const matrix = sampleMatrix().filter(
  ([kind, adapter]) => kind !== 'mariadb' && adapter === 'fastify',
);

/**
 * The README's three-step rotation (add → switch signing → retire), rolled out one instance at a
 * time the way env-configured instances change keys: each step restarts A with the new env, checks
 * it against B still on the previous step, then restarts B.
 */
describe.each(matrix)('signing-key rotation with JWT_KEYS_DIR on %s (%s)', (kind, adapter) => {
  let database: TestDatabase;
  const dirs: Record<'a' | 'b', string> = { a: '', b: '' };
  const pem = {
    k1: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
      format: 'pem',
      type: 'pkcs8',
    }),
    k2: generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }),
  };
  const instances: Partial<Record<'a' | 'b', SampleTestApp>> = {};
  const a = () => instances.a!;
  const b = () => instances.b!;

  /** (Re)starts an instance on the shared database with its keys directory and `signingKid`. */
  async function restart(name: 'a' | 'b', signingKid?: string): Promise<SampleTestApp> {
    await instances[name]?.close();
    const env: Record<string, string> = { JWT_SECRET: '', JWT_KEYS_DIR: dirs[name] };
    if (signingKid) env.JWT_SIGNING_KID = signingKid;
    instances[name] = await SampleTestApp.start(kind, adapter, env, { database });
    await alignClocks(Object.values(instances).filter((t) => t !== undefined));
    return instances[name];
  }

  const jwksKids = async (t: SampleTestApp) =>
    ((await t.http.get('/.well-known/jwks.json').expect(200)).body.keys as { kid: string }[])
      .map((key) => key.kid)
      .sort();

  const everywhere = async (token: string) => [
    await a().guardStatus(token),
    await b().guardStatus(token),
  ];

  let before: Tokens;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    for (const name of ['a', 'b'] as const) {
      dirs[name] = mkdtempSync(join(tmpdir(), `keys-${name}-`));
      writeFileSync(join(dirs[name], 'k1.pem'), pem.k1, { mode: 0o600 });
      await restart(name);
    }
    before = (await a().signUp()).tokens;
    expect(kidOf(before.access_token)).toBe('k1');
  });
  afterAll(async () => {
    await instances.a?.close();
    await instances.b?.close();
    await database?.drop();
    for (const dir of Object.values(dirs)) rmSync(dir, { recursive: true, force: true });
  });

  it('step 1, add: the new key is published and verified, the old one still signs', async () => {
    for (const name of ['a', 'b'] as const) {
      writeFileSync(join(dirs[name], 'k2.pem'), pem.k2, { mode: 0o600 });
      const t = await restart(name, 'k1');
      expect(await jwksKids(t)).toEqual(['k1', 'k2']);
      const { tokens } = await t.signUp();
      expect(kidOf(tokens.access_token)).toBe('k1');
      expect(await everywhere(tokens.access_token)).toEqual([200, 200]);
    }
    expect(await everywhere(before.access_token)).toEqual([200, 200]);
  });

  it('step 2, switch signing: either instance accepts what the other signs meanwhile', async () => {
    await restart('a', 'k2');
    const fromA = (await a().signUp()).tokens;
    const fromB = (await b().signUp()).tokens;
    expect(kidOf(fromA.access_token)).toBe('k2');
    expect(kidOf(fromB.access_token)).toBe('k1');
    expect(await everywhere(fromA.access_token)).toEqual([200, 200]);
    expect(await everywhere(fromB.access_token)).toEqual([200, 200]);

    await restart('b', 'k2');
    expect(kidOf((await b().signUp()).tokens.access_token)).toBe('k2');
    expect(await everywhere(before.access_token)).toEqual([200, 200]);
    // Refreshing moves a session onto the new key.
    const refreshed = await a()
      .http.post('/auth/refresh')
      .send({ refresh_token: fromB.refresh_token });
    expect(refreshed.status).toBe(200);
    expect(kidOf(refreshed.body.access_token)).toBe('k2');
    expect(kidOf(refreshed.body.refresh_token)).toBe('k2');
  });

  it("step 3, retire: an instance restarted without the key refuses that key's tokens at once", async () => {
    const current = (await b().signUp()).tokens;
    unlinkSync(join(dirs.a, 'k1.pem'));
    await restart('a', 'k2');
    expect(await jwksKids(a())).toEqual(['k2']);
    expect(await a().guardStatus(before.access_token)).toBe(401);
    expect(await a().refreshStatus(before.refresh_token)).not.toBe(200);

    unlinkSync(join(dirs.b, 'k1.pem'));
    await restart('b', 'k2');
    expect(await jwksKids(b())).toEqual(['k2']);
    expect(await everywhere(before.access_token)).toEqual([401, 401]);
    expect(await b().refreshStatus(before.refresh_token)).not.toBe(200);
    expect(await everywhere(current.access_token)).toEqual([200, 200]);
  });

  it('refuses to boot when JWT_SIGNING_KID names a retired key', async () => {
    await expect(restart('a', 'k1')).rejects.toThrow(/JWT_SIGNING_KID "k1" is not in/);
    await restart('a', 'k2');
  });
});
