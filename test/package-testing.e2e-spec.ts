import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..');
const LIB = join(ROOT, 'libs/jwt-revocation');
const JEST = join(ROOT, 'node_modules/jest/bin/jest.js');

interface JestReport {
  numPassedTests: number;
  numFailedTests: number;
  testResults: { assertionResults: { fullName: string; status: string }[] }[];
}

/**
 * A store author's view of `nestjs-jwt-revocation/testing`: the packed tarball installed in a
 * separate project, whose own store (plain JavaScript, test/fixtures/custom-store) runs the contract.
 */
describe('the packed testing entry point', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'jwtrev-store-author-'));
    execFileSync('npm', ['run', 'build:lib'], { cwd: ROOT, stdio: 'pipe' });
    const packed = execFileSync('npm', ['pack', '--json', '--pack-destination', dir], {
      cwd: LIB,
      encoding: 'utf8',
    });
    const [{ filename, files }] = JSON.parse(packed) as {
      filename: string;
      files: { path: string }[];
    }[];
    expect(files.map((f) => f.path)).toEqual(
      expect.arrayContaining(['dist/testing/index.js', 'dist/testing/index.d.ts']),
    );
    cpSync(join(ROOT, 'test/fixtures/custom-store'), dir, { recursive: true });
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({
        name: 'custom-store',
        private: true,
        dependencies: { 'nestjs-jwt-revocation': `file:./${filename}` },
      }),
    );
    // The testing entry point needs no peer: leave them out, as a store package would.
    execFileSync(
      'npm',
      [
        'install',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        '--ignore-scripts',
        '--legacy-peer-deps',
      ],
      { cwd: dir, stdio: 'pipe' },
    );
  }, 300_000);

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs Jest in the author's project on one test file, with no config of ours. */
  function runJest(testFile: string): { status: number | null; report: JestReport } {
    const output = join(dir, `${testFile}.report.json`);
    const result = spawnSync(
      process.execPath,
      [
        JEST,
        '--rootDir',
        dir,
        '--config',
        JSON.stringify({ testEnvironment: 'node', transform: {} }),
        '--ci',
        '--json',
        '--outputFile',
        output,
        testFile,
      ],
      { cwd: dir, encoding: 'utf8', timeout: 120_000 },
    );
    return { status: result.status, report: JSON.parse(readFileSync(output, 'utf8')) };
  }

  it('runs the store contract from the tarball against a store written outside the library', () => {
    const { status, report } = runJest('map-revocation.store.test.js');
    const failed = report.testResults
      .flatMap((r) => r.assertionResults)
      .filter((a) => a.status !== 'passed')
      .map((a) => a.fullName);
    expect(failed).toEqual([]);
    expect(status).toBe(0);
    expect(report.numPassedTests).toBeGreaterThanOrEqual(20);
  }, 150_000);

  it('fails a store that answers user-wide revocations without keeping them', () => {
    const { status, report } = runJest('forgetful.store.test.js');
    expect(status).not.toBe(0);
    const failed = report.testResults
      .flatMap((r) => r.assertionResults)
      .filter((a) => a.status === 'failed')
      .map((a) => a.fullName);
    expect(failed).toEqual(
      expect.arrayContaining([
        'ForgetfulStore revokes a user by raising a version, ending only sessions begun before it',
      ]),
    );
    expect(report.numPassedTests).toBeGreaterThan(0);
  }, 150_000);
});
