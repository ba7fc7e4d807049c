import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DataSource } from 'typeorm';
import { AppSources, compileApp, startApp } from './support/consumer-apps';
import { createTestDatabase, testDatabaseKinds } from './support/databases';
import { expectEnded, loginUseLogout, quickStartSource, readmeBlocks } from './support/readme';

/*
 * Every ```ts block of README.md is a complete module (imports included, classes declared before
 * use): each is compiled as its own file of a fresh Nest 12 app made with the Nest CLI's tsconfig,
 * against the packed package. There is no fragment convention and nothing is skipped: a block that
 * is not TypeScript must be fenced as something else (sh, or no language for plain text).
 */
const run = promisify(execFile);
const blocks = readmeBlocks();
const typescript = blocks.filter((b) => b.lang === 'ts');

describe('README.md', () => {
  let dir: string;
  let dataDir: string;

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'jwtrev-readme-'));
  });

  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('fences TypeScript as ts and nothing else', () => {
    expect(
      blocks.map((b) => b.lang).filter((l) => !['ts', 'sh', '', 'mermaid'].includes(l)),
    ).toEqual([]);
    const untagged = blocks.filter((b) => b.lang === '' && /^(import|export) /m.test(b.code));
    expect(untagged.map((b) => b.line)).toEqual([]);
    expect(typescript.length).toBeGreaterThanOrEqual(5);
  });

  it('compiles every ts block with the Nest CLI tsconfig (nodenext, strict, isolatedModules, decorator metadata)', async () => {
    const quickStart = quickStartSource();
    const sources: AppSources = { 'main.ts': quickStart };
    for (const block of typescript) {
      if (block.code !== quickStart) sources[`readme-line-${block.line}.ts`] = block.code;
    }
    dir = await compileApp(
      12,
      'readme',
      sources,
      { module: 'nodenext', moduleResolution: 'nodenext', resolvePackageJsonExports: true },
      'commonjs',
    );
  }, 600_000);

  it('boots the Quick start: login, guarded route, logout, and the token stays ended after a restart', async () => {
    expect(dir).toBeDefined();
    const env = {
      PORT: '0',
      JWT_SECRET: 'a-readme-test-secret-of-at-least-32-bytes',
      DATABASE_PATH: join(dataDir, 'app.sqlite'),
    };
    const first = await startApp(dir, env);
    let token: string;
    try {
      token = await loginUseLogout(first.url);
    } finally {
      await first.stop();
    }
    const second = await startApp(dir, env);
    try {
      await expectEnded(second.url, token);
    } finally {
      await second.stop();
    }
  }, 60_000);

  const cliDataSource = typescript.find((b) => b.code.includes('export default new DataSource('));

  (testDatabaseKinds().includes('postgres') ? it : it.skip)(
    'migrates a Postgres database with the TypeORM CLI and the data source of the how-to',
    async () => {
      expect(cliDataSource).toBeDefined();
      const db = await createTestDatabase('postgres');
      try {
        const cli = join(dir, '../../node_modules/typeorm/cli.js');
        const file = `dist/readme-line-${cliDataSource!.line}.js`;
        const { stdout } = await run(process.execPath, [cli, 'migration:run', '-d', file], {
          cwd: dir,
          env: { ...process.env, DATABASE_URL: db.url },
        });
        expect(stdout).toMatch(
          /Migration IndexLiveSessionsBySubject\d+ has been executed successfully/,
        );
        const check = await new DataSource(db.options).initialize();
        try {
          const tables: { name: string }[] = await check.query(
            `SELECT table_name AS name FROM information_schema.tables WHERE table_name LIKE 'jwt_revocation_%' ORDER BY 1`,
          );
          expect(tables.map((t) => t.name)).toEqual([
            'jwt_revocation_audit',
            'jwt_revocation_change',
            'jwt_revocation_session',
            'jwt_revocation_signal',
            'jwt_revocation_signal_delivery',
            'jwt_revocation_version',
          ]);
        } finally {
          await check.destroy();
        }
      } finally {
        await db.drop();
      }
    },
    60_000,
  );
});
