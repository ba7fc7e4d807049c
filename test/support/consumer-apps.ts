import { ChildProcess, execFile, spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import ts from 'typescript';

/*
 * Apps outside the workspace that install the library from its packed tarball, as an adopter would.
 * The tarball is packed, and each Nest major installed, once per Jest run: the directory comes from
 * test/support/consumer-apps.setup.ts (the e2e project's globalSetup), and whichever test file needs a
 * step first does it while the others wait for its `.done` marker.
 */

const run = promisify(execFile);

export const ROOT = resolve(__dirname, '../..');
const LIB = join(ROOT, 'libs/jwt-revocation');

export type NestMajor = 11 | 12;

function rootVersion(name: string): string {
  return JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;
}

/** Nest packages per major: 12 as in the root lockfile, 11 pinned to the latest 11.x (and its era's companions). */
function nestPackages(major: NestMajor): Record<string, string> {
  const names = [
    '@nestjs/common',
    '@nestjs/core',
    '@nestjs/platform-express',
    '@nestjs/typeorm',
    '@nestjs/passport',
    '@nestjs/terminus',
    '@nestjs/event-emitter',
    '@nestjs/schedule',
    '@nestjs/jwt',
    '@nestjs/websockets',
    '@nestjs/platform-ws',
    '@nestjs/platform-socket.io',
  ];
  if (major === 12) return Object.fromEntries(names.map((n) => [n, rootVersion(n)]));
  return {
    '@nestjs/common': '11.2.10',
    '@nestjs/core': '11.2.10',
    '@nestjs/platform-express': '11.2.10',
    '@nestjs/typeorm': '11.0.3',
    '@nestjs/passport': '11.0.5',
    '@nestjs/terminus': '11.1.1',
    '@nestjs/event-emitter': '3.1.0',
    '@nestjs/schedule': '6.1.3',
    '@nestjs/jwt': '11.0.2',
    '@nestjs/websockets': '11.2.6',
    '@nestjs/platform-ws': '11.2.6',
    '@nestjs/platform-socket.io': '11.2.6',
  };
}

/** Everything else an adopter installs for the durable store and the optional entry points, at the root's versions. */
const OTHER_PACKAGES = [
  'reflect-metadata',
  'rxjs',
  'typeorm',
  'better-sqlite3',
  'passport',
  'ioredis',
  'pg',
  'prom-client',
  'passport-jwt',
  'ws',
  'socket.io',
];

function sharedDir(): string {
  const dir = process.env.JWTREV_CONSUMER_DIR ?? mkdtempSync(join(tmpdir(), 'jwtrev-consumers-'));
  process.env.JWTREV_CONSUMER_DIR = dir;
  return dir;
}

/** Runs `step` once per shared directory: the first caller does it, concurrent callers wait for it. */
async function once<T>(name: string, step: () => Promise<T>): Promise<T> {
  const dir = sharedDir();
  const done = join(dir, `${name}.done`);
  const failed = join(dir, `${name}.failed`);
  try {
    mkdirSync(join(dir, `${name}.lock`));
  } catch {
    const started = Date.now();
    while (!existsSync(done)) {
      if (existsSync(failed))
        throw new Error(`${name} failed in another test file:\n${readFileSync(failed, 'utf8')}`);
      if (Date.now() - started > 600_000) throw new Error(`waited 10 minutes for ${name}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    return JSON.parse(readFileSync(done, 'utf8')) as T;
  }
  try {
    const result = await step();
    writeFileSync(done, JSON.stringify(result));
    return result;
  } catch (error) {
    writeFileSync(failed, String((error as Error).stack ?? error));
    throw error;
  }
}

export interface PackedLibrary {
  tarball: string;
  /** Paths inside the tarball, e.g. `dist/index.js`. */
  files: string[];
}

/** `npm pack` of the library (its prepack builds it from scratch and writes README and LICENSE). */
export function packLibrary(): Promise<PackedLibrary> {
  return once('pack', async () => {
    const dir = sharedDir();
    const { stdout } = await run('npm', ['pack', '--json', '--silent', '--pack-destination', dir], {
      cwd: LIB,
      maxBuffer: 16 * 1024 * 1024,
    });
    const [{ filename, files }] = JSON.parse(stdout) as {
      filename: string;
      files: { path: string }[];
    }[];
    return { tarball: join(dir, filename), files: files.map((f) => f.path) };
  });
}

/**
 * One `npm install` of the packed library into a fresh app per Nest major. better-sqlite3 is installed
 * without its build script and given the root's compiled binding: the same version, built for the same Node.
 */
export function installConsumer(major: NestMajor): Promise<string> {
  return once(`nest${major}`, async () => {
    const { tarball } = await packLibrary();
    const dir = join(sharedDir(), `nest${major}`);
    mkdirSync(dir);
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify(
        {
          name: `consumer-nest${major}`,
          private: true,
          dependencies: {
            'nestjs-jwt-revocation': `file:${tarball}`,
            ...nestPackages(major),
            ...Object.fromEntries(OTHER_PACKAGES.map((n) => [n, rootVersion(n)])),
          },
          devDependencies: Object.fromEntries(
            ['@types/node', '@types/passport-jwt', '@types/ws'].map((n) => [n, rootVersion(n)]),
          ),
        },
        null,
        2,
      ),
    );
    await run(
      'npm',
      ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'],
      { cwd: dir, maxBuffer: 16 * 1024 * 1024 },
    );
    const binding = 'node_modules/better-sqlite3/build/Release/better_sqlite3.node';
    mkdirSync(join(dir, binding, '..'), { recursive: true });
    copyFileSync(join(ROOT, binding), join(dir, binding));
    return dir;
  });
}

export type ModuleSystem = 'commonjs' | 'esm';
export type Resolution = 'node16' | 'nodenext' | 'bundler' | 'node';

/** The Nest CLI's `nest new` compiler options (strict chosen), before the module settings of a variant. */
export const NEST_CLI_COMPILER_OPTIONS = {
  esModuleInterop: true,
  isolatedModules: true,
  declaration: true,
  removeComments: true,
  emitDecoratorMetadata: true,
  experimentalDecorators: true,
  allowSyntheticDefaultImports: true,
  target: 'ES2023',
  types: ['node'],
  outDir: './dist',
  rootDir: './src',
  skipLibCheck: true,
  strict: true,
  strictPropertyInitialization: false,
};

/** The module settings of a variant; the output format follows the app's package.json "type", as Node's does. */
export function variantCompilerOptions(
  major: NestMajor,
  system: ModuleSystem,
  resolution: Resolution,
): Record<string, unknown> {
  switch (resolution) {
    case 'node16':
      // Nest 12 is ESM only: a CommonJS app loads it with Node's require(esm), which TypeScript
      // allows from `module: node20` on (`node16` refuses with TS1479, with or without this library).
      return {
        module: major === 12 && system === 'commonjs' ? 'node20' : 'node16',
        moduleResolution: 'node16',
      };
    case 'nodenext':
      return { module: 'nodenext', moduleResolution: 'nodenext' };
    case 'bundler':
      return { module: system === 'esm' ? 'es2022' : 'commonjs', moduleResolution: 'bundler' };
    case 'node':
      // TypeScript 6 deprecates `node` (node10) resolution; apps still on it silence that this way.
      return {
        module: system === 'esm' ? 'es2022' : 'commonjs',
        moduleResolution: 'node',
        ignoreDeprecations: '6.0',
      };
  }
}

export interface AppSources {
  /** File name under src/ to its contents. */
  [file: string]: string;
}

/**
 * Parsed declaration files (node_modules, TypeScript's lib), shared by the programs of this test file:
 * every variant reads the same ~1,200 of them, and parsing dominates a compile. The key holds what
 * parsing a declaration file depends on; its module format comes from the resolution mode.
 */
const declarations = new Map<string, ts.SourceFile>();

function sharingHost(options: ts.CompilerOptions): ts.CompilerHost {
  const host = ts.createCompilerHost(options);
  const parse = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersionOrOptions, onError, shouldCreate) => {
    if (!fileName.endsWith('.d.ts')) return parse(fileName, languageVersionOrOptions, onError);
    const settings =
      typeof languageVersionOrOptions === 'object'
        ? [
            languageVersionOrOptions.languageVersion,
            languageVersionOrOptions.impliedNodeFormat,
            languageVersionOrOptions.jsDocParsingMode,
          ]
        : [languageVersionOrOptions];
    const key = `${fileName}|${settings.join('|')}`;
    let file = declarations.get(key);
    if (!file) {
      file = parse(fileName, languageVersionOrOptions, onError, shouldCreate);
      if (file) declarations.set(key, file);
    }
    return file;
  };
  return host;
}

/**
 * Writes an app into the consumer install of `major` (so it resolves that install's node_modules)
 * and compiles it with the root's TypeScript, as `tsc -p` would. Returns the app's directory; its
 * output is in dist/.
 */
export async function compileApp(
  major: NestMajor,
  name: string,
  sources: AppSources,
  compilerOptions: Record<string, unknown>,
  system: ModuleSystem,
): Promise<string> {
  const dir = join(await installConsumer(major), 'apps', name);
  mkdirSync(join(dir, 'src'), { recursive: true });
  for (const [file, text] of Object.entries(sources)) {
    mkdirSync(join(dir, 'src', file, '..'), { recursive: true });
    writeFileSync(join(dir, 'src', file), text);
  }
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ private: true, type: system === 'esm' ? 'module' : 'commonjs' }),
  );
  const config = { compilerOptions: { ...NEST_CLI_COMPILER_OPTIONS, ...compilerOptions } };
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(config, null, 2));
  const parsed = ts.parseJsonConfigFileContent(config, ts.sys, dir);
  const program = ts.createProgram({
    rootNames: parsed.fileNames,
    options: parsed.options,
    host: sharingHost(parsed.options),
  });
  const emitted = program.emit();
  const diagnostics = [
    ...parsed.errors,
    ...ts.getPreEmitDiagnostics(program),
    ...emitted.diagnostics,
  ];
  if (diagnostics.length > 0) {
    const text = ts.formatDiagnostics(diagnostics, {
      getCanonicalFileName: (f) => f,
      getCurrentDirectory: () => dir,
      getNewLine: () => '\n',
    });
    throw new Error(`TypeScript errors in ${name} (${JSON.stringify(compilerOptions)}):\n${text}`);
  }
  return dir;
}

/** A fixture directory's files (under test/fixtures), as app sources. */
export function fixtureSources(
  fixture: string,
  dir = join(ROOT, 'test/fixtures', fixture),
): AppSources {
  const out: AppSources = {};
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    out[relative(dir, path)] = readFileSync(path, 'utf8');
  }
  return out;
}

/** A running app: its base URL, what it printed until it listened, and how to stop it. */
export interface RunningApp {
  url: string;
  output: string;
  stop(): Promise<void>;
}

/**
 * Starts `dist/main.js` of a compiled app (after the modules in `preload`, loaded with `--import` in
 * the same process) and waits for its `Listening on <url>` line.
 */
export function startApp(
  dir: string,
  env: Record<string, string>,
  preload: string[] = [],
): Promise<RunningApp> {
  const args = preload.flatMap((file) => ['--import', pathToFileURL(join(dir, file)).href]);
  const child: ChildProcess = spawn(process.execPath, [...args, join(dir, 'dist/main.js')], {
    cwd: dir,
    env: { ...process.env, NODE_ENV: 'development', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  return new Promise<RunningApp>((ok, fail) => {
    const timer = setTimeout(() => {
      void stop();
      fail(new Error(`no "Listening on" within 60 s:\n${output}`));
    }, 60_000);
    const onData = (d: Buffer) => {
      output += d;
      const match = /Listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        ok({ url: match[1].replace('[::1]', '127.0.0.1'), output, stop });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d: Buffer) => (output += d));
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`app exited with ${code}:\n${output}`));
    });
  });
}
