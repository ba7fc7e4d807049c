import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, DatabaseKind, TestDatabase } from '../support/databases';
import { freePort } from '../support/redis-server';
import { bearer } from '../sample/support/sample-app';
import { buildSample, SampleProcess } from '../support/sample-process';

beforeAll(buildSample, 120_000);

describe.each<DatabaseKind>(['sqlite', 'postgres'])('restart durability on %s', (kind) => {
  let database: TestDatabase;
  let dataDir: string;
  let app: SampleProcess;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    dataDir = mkdtempSync(join(tmpdir(), 'sample-restart-'));
    app = new SampleProcess(
      {
        DATABASE_URL: database.url,
        DATA_DIR: dataDir,
        JWT_SECRET: randomBytes(32).toString('hex'),
        NODE_ENV: 'production',
      },
      await freePort(),
    );
    await app.start();
  }, 120_000);
  afterAll(async () => {
    await app?.kill9();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function signUp() {
    const email = `restart-${randomBytes(4).toString('hex')}@example.test`;
    await app.http.post('/auth/register').send({ email, password: 'password-123' }).expect(201);
    const res = await app.http
      .post('/auth/login')
      .send({ email, password: 'password-123' })
      .expect(200);
    return { email, tokens: res.body as { access_token: string; refresh_token: string } };
  }

  it('still enforces revocations acknowledged just before kill -9', async () => {
    const loggedOut = await signUp();
    const changed = await signUp();
    const bystander = await signUp();
    await app.http.post('/auth/logout').set(bearer(loggedOut.tokens.access_token)).expect(204);
    await app.http
      .post('/me/password')
      .set(bearer(changed.tokens.access_token))
      .send({ current_password: 'password-123', new_password: 'password-456' })
      .expect(200);
    await app.kill9();

    await app.start();
    for (const revoked of [loggedOut, changed]) {
      await app.http.get('/me').set(bearer(revoked.tokens.access_token)).expect(401);
      await app.http
        .post('/auth/refresh')
        .send({ refresh_token: revoked.tokens.refresh_token })
        .expect(400);
    }
    await app.http.get('/me').set(bearer(bystander.tokens.access_token)).expect(200);
    await app.http
      .post('/auth/login')
      .send({ email: changed.email, password: 'password-456' })
      .expect(200);
  }, 120_000);
});
