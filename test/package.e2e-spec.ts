import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import request from 'supertest';

const ROOT = resolve(__dirname, '..');
const LIB = join(ROOT, 'libs/jwt-revocation');

function versionOf(name: string): string {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8'));
  return pkg.version;
}

/** Builds and packs the library, installs the tarball into a separate app outside the workspace, and uses it. */
describe('the packed npm package', () => {
  let dir: string;
  let child: ChildProcess | undefined;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'jwtrev-consumer-'));
    execFileSync('npm', ['run', 'build:lib'], { cwd: ROOT, stdio: 'pipe' });
    const packed = execFileSync('npm', ['pack', '--json', '--pack-destination', dir], {
      cwd: LIB,
      encoding: 'utf8',
    });
    const [{ filename, files }] = JSON.parse(packed) as {
      filename: string;
      files: { path: string }[];
    }[];
    expect(files.some((f) => f.path.endsWith('.spec.js') || f.path.startsWith('src/'))).toBe(false);
    expect(files.map((f) => f.path)).toEqual(
      expect.arrayContaining(['dist/index.js', 'dist/index.d.ts', 'dist/typeorm/index.js']),
    );
    cpSync(join(ROOT, 'test/fixtures/consumer-app'), dir, { recursive: true });
    const deps = [
      '@nestjs/common',
      '@nestjs/core',
      '@nestjs/platform-express',
      'reflect-metadata',
      'rxjs',
      'typeorm',
    ];
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({
        name: 'consumer-app',
        private: true,
        dependencies: {
          'nestjs-jwt-revocation': `file:./${filename}`,
          ...Object.fromEntries(deps.map((d) => [d, versionOf(d)])),
        },
        devDependencies: { '@types/node': versionOf('@types/node') },
      }),
    );
    execFileSync(
      'npm',
      ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'],
      { cwd: dir, stdio: 'pipe' },
    );
    execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', dir], {
      cwd: dir,
      stdio: 'pipe',
    });
  }, 300_000);

  afterAll(() => {
    child?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('boots in a separate app, guards a route and honours a revocation', async () => {
    child = spawn(process.execPath, ['dist/main.js'], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (d) => (stderr += d));
    const port = await new Promise<number>((ok, fail) => {
      let out = '';
      child!.stdout!.on('data', (d) => {
        out += d;
        const m = /LISTENING (\d+)/.exec(out);
        if (m) ok(Number(m[1]));
      });
      child!.on('exit', (code) => fail(new Error(`consumer exited with ${code}: ${stderr}`)));
    });
    const http = request(`http://127.0.0.1:${port}`);
    await http.get('/private').expect(401);
    const { body } = await http.post('/login').send({ user: 'alice' }).expect(201);
    await http
      .get('/private')
      .set('Authorization', `Bearer ${body.access_token}`)
      .expect(200, { sub: 'alice' });
    await http.post('/logout').set('Authorization', `Bearer ${body.access_token}`).expect(201);
    const after = await http
      .get('/private')
      .set('Authorization', `Bearer ${body.access_token}`)
      .expect(401);
    expect(after.headers['www-authenticate']).toContain('invalid_token');
  });
});
