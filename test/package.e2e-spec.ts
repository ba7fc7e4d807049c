import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  compileApp,
  fixtureSources,
  installConsumer,
  ModuleSystem,
  NestMajor,
  packLibrary,
  PackedLibrary,
  Resolution,
  ROOT,
  startApp,
  variantCompilerOptions,
} from './support/consumer-apps';
import { loginUseLogout, quickStartSource } from './support/readme';

const run = promisify(execFile);
const LIB = join(ROOT, 'libs/jwt-revocation');
const manifest = JSON.parse(readFileSync(join(LIB, 'package.json'), 'utf8')) as {
  exports: Record<string, string | { types: string; default: string }>;
  typesVersions: Record<string, Record<string, string[]>>;
  files: string[];
};

/** The entry points: `.` and one per sub-barrel of the sources (src/<name>/index.ts). */
const subpaths = readdirSync(join(LIB, 'src'), { withFileTypes: true })
  .filter((e) => e.isDirectory() && existsSync(join(LIB, 'src', e.name, 'index.ts')))
  .map((e) => e.name);

describe('the packed npm package', () => {
  let packed: PackedLibrary;

  beforeAll(async () => {
    packed = await packLibrary();
  }, 300_000);

  it('ships every entry point with its types, plus README, LICENSE and package.json', () => {
    for (const name of ['.', ...subpaths]) {
      const entry = manifest.exports[name === '.' ? '.' : `./${name}`];
      expect(entry).toEqual({
        types: `./dist/${name === '.' ? '' : `${name}/`}index.d.ts`,
        default: `./dist/${name === '.' ? '' : `${name}/`}index.js`,
      });
      if (typeof entry === 'string') continue;
      expect(packed.files).toEqual(
        expect.arrayContaining([entry.types.slice(2), entry.default.slice(2)]),
      );
    }
    expect(packed.files).toEqual(expect.arrayContaining(['README.md', 'LICENSE', 'package.json']));
  });

  it('maps every sub-path for moduleResolution "node" (typesVersions), as its exports do', () => {
    const mapped = manifest.typesVersions['*'];
    for (const [key, entry] of Object.entries(manifest.exports)) {
      if (key === '.' || key === './package.json' || typeof entry === 'string') continue;
      expect(mapped[key.slice(2)]).toEqual([entry.types]);
    }
    expect(Object.keys(mapped).sort()).toEqual(
      Object.keys(manifest.exports)
        .filter((k) => k !== '.' && k !== './package.json')
        .map((k) => k.slice(2))
        .sort(),
    );
  });

  // The store contract suite is public (the `testing` entry point), its own specs are not.
  it('ships no tests, fixtures, sources or source maps', () => {
    const unwanted = packed.files.filter(
      (f) =>
        /\.(spec|e2e-spec|test)\.(js|d\.ts)$/.test(f) ||
        /(^|\/)(test|tests|fixtures|__tests__)\//.test(f) ||
        f.endsWith('.map') ||
        (f.endsWith('.ts') && !f.endsWith('.d.ts')) ||
        f.endsWith('.tsbuildinfo'),
    );
    expect(unwanted).toEqual([]);
    expect(packed.files.every((f) => f.startsWith('dist/') || !f.includes('/'))).toBe(true);
  });

  it('carries the usage documentation and the license of the repository', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jwtrev-unpacked-'));
    try {
      await run('tar', ['-xzf', packed.tarball, '-C', dir]);
      const readme = readFileSync(join(dir, 'package/README.md'), 'utf8');
      const root = readFileSync(join(ROOT, 'README.md'), 'utf8');
      for (const section of [
        'Quick start in your app',
        'Compatibility',
        'Use it in your app',
        'Options',
      ]) {
        expect(readme).toContain(`\n## ${section}\n`);
      }
      expect(readme).not.toContain('\n## Two commands\n');
      expect(readme).not.toContain('\n## Development\n');
      expect(readme).toContain(quickStartSource());
      // Every line the package keeps is the repository's, except links made absolute.
      const relativeLink = /\]\((?!https?:|#)[^)]+\)/;
      for (const line of readme.split('\n')) {
        if (!line.includes('https://github.com/') && !line.includes('githubusercontent'))
          expect(root.includes(line) || relativeLink.test(line)).toBe(true);
      }
      expect(readme).not.toMatch(relativeLink);
      expect(readFileSync(join(dir, 'package/LICENSE'), 'utf8')).toBe(
        readFileSync(join(ROOT, 'LICENSE'), 'utf8'),
      );
      expect(readFileSync(join(dir, 'package/LICENSE'), 'utf8')).toContain('MIT License');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const VARIANTS: [ModuleSystem, Resolution][] = [
  ['commonjs', 'node16'],
  ['commonjs', 'nodenext'],
  ['commonjs', 'bundler'],
  ['commonjs', 'node'],
  ['esm', 'node16'],
  ['esm', 'nodenext'],
  ['esm', 'bundler'],
  ['esm', 'node'],
];

const NEST_MAJORS: NestMajor[] = [11, 12];

describe.each(NEST_MAJORS)('an app on Nest %i with the packed package', (major) => {
  let dataDir: string;

  beforeAll(async () => {
    // Both majors install at once (they overlap well); the second suite finds them done.
    await Promise.all(NEST_MAJORS.map((m) => installConsumer(m)));
    dataDir = mkdtempSync(join(tmpdir(), `jwtrev-nest${major}-data-`));
  }, 600_000);

  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it(`installs Nest ${major} beside it without peer conflicts`, async () => {
    const dir = await installConsumer(major);
    for (const name of ['@nestjs/common', '@nestjs/core']) {
      const { version } = JSON.parse(
        readFileSync(join(dir, 'node_modules', name, 'package.json'), 'utf8'),
      );
      expect(version.split('.')[0]).toBe(String(major));
    }
    // npm ls exits non-zero on an invalid peer or a missing dependency.
    await run('npm', ['ls', '--all', '--omit=dev', 'nestjs-jwt-revocation'], { cwd: dir });
  });

  describe.each(VARIANTS)('compiled as %s with moduleResolution %s', (system, resolution) => {
    let dir: string;

    beforeAll(async () => {
      dir = await compileApp(
        major,
        `quick-start-${system}-${resolution}`,
        { 'main.ts': quickStartSource(), ...fixtureSources('consumer-app') },
        variantCompilerOptions(major, system, resolution),
        system,
      );
    }, 120_000);

    it('loads every entry point, boots the Quick start, answers 200, then 401 after logout', async () => {
      const app = await startApp(
        dir,
        {
          PORT: '0',
          JWT_SECRET: 'a-consumer-test-secret-of-at-least-32-bytes',
          DATABASE_PATH: join(dataDir, `${system}-${resolution}.sqlite`),
        },
        ['dist/entry-points.js'],
      );
      try {
        expect(app.output).toMatch(/^LOADED .*TypeOrmRevocationStore/m);
        await loginUseLogout(app.url);
      } finally {
        await app.stop();
      }
    });
  });
});
