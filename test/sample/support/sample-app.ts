import { ConsoleLogger, INestApplication } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { Clock, RevocationSync } from 'nestjs-jwt-revocation';
import { ManualClock } from 'nestjs-jwt-revocation/testing';
import {
  HttpAdapterKind,
  loadSampleConfig,
  SampleConfig,
} from '../../../apps/sample/src/config/sample.config';
import { configureSampleApp, createHttpAdapter } from '../../../apps/sample/src/sample.app';
import { SampleModule } from '../../../apps/sample/src/sample.module';
import {
  createTestDatabase,
  DatabaseKind,
  TestDatabase,
  testDatabaseKinds,
} from '../../support/databases';

export const ADMIN = { email: 'admin@example.test', password: 'admin-password-1' };

/** RFC 6749 token response. */
export interface Tokens {
  access_token: string;
  refresh_token: string;
  token_type: string;
  expires_in: number;
}

export interface TestUser {
  id: string;
  email: string;
  password: string;
}

/** SQLite on both adapters, Postgres and MariaDB on Fastify (narrowed by `TEST_DATABASES`). */
export function sampleMatrix(): [DatabaseKind, HttpAdapterKind][] {
  const kinds = testDatabaseKinds();
  const all: [DatabaseKind, HttpAdapterKind][] = [
    ['sqlite', 'express'],
    ['sqlite', 'fastify'],
    ['postgres', 'fastify'],
    ['mariadb', 'fastify'],
  ];
  return all.filter(([kind]) => kinds.includes(kind));
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

/** The real sample app on a fresh database, with a movable clock and helpers to drive it. */
export class SampleTestApp {
  private static counter = 0;

  private constructor(
    readonly app: INestApplication,
    readonly config: SampleConfig,
    readonly clock: ManualClock,
    private readonly database: TestDatabase | undefined,
    private readonly dataDir: string,
  ) {}

  /**
   * Boots the app on a fresh database, or on `options.database` (which the caller then drops);
   * `env` adds to or overrides the test settings and `options.tune` edits the parsed config.
   */
  static async start(
    kind: DatabaseKind,
    adapter: HttpAdapterKind,
    env: Record<string, string> = {},
    options: {
      database?: TestDatabase;
      tune?: (config: SampleConfig) => void;
      /** Keep the system clock (staleness then follows real time) instead of a `ManualClock`. */
      realClock?: boolean;
    } = {},
  ): Promise<SampleTestApp> {
    const database = options.database ?? (await createTestDatabase(kind));
    const dataDir = mkdtempSync(join(tmpdir(), 'sample-data-'));
    const config = loadSampleConfig(
      {
        DATABASE_URL: database.url,
        DATA_DIR: dataDir,
        HTTP_ADAPTER: adapter,
        JWT_SECRET: randomBytes(32).toString('base64url'),
        ADMIN_EMAIL: ADMIN.email,
        ADMIN_PASSWORD: ADMIN.password,
        TRUST_PROXY: 'true',
        ...env,
      },
      dataDir,
    );
    options.tune?.(config);
    const clock = new ManualClock();
    const builder = Test.createTestingModule({ imports: [SampleModule.forRoot(config)] });
    if (!options.realClock) builder.overrideProvider(Clock).useValue(clock);
    const moduleRef = await builder
      .setLogger(new ConsoleLogger({ logLevels: ['error'] }))
      .compile();
    const app = moduleRef.createNestApplication(createHttpAdapter(config), { logger: ['error'] });
    configureSampleApp(app);
    await app.init();
    if (adapter === 'fastify')
      await (app as NestFastifyApplication).getHttpAdapter().getInstance().ready();
    return new SampleTestApp(app, config, clock, options.database ? undefined : database, dataDir);
  }

  async close(): Promise<void> {
    await this.app.close();
    await this.database?.drop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  get http() {
    return request(this.app.getHttpServer());
  }

  /** Moves the clock and resynchronizes the revocation cache, which distrusts a sudden jump. */
  async advance(ms: number): Promise<void> {
    this.clock.advance(ms);
    await this.app.get(RevocationSync).refresh();
  }

  /** Registers a new user with a unique email. */
  async register(password = 'password-123'): Promise<TestUser> {
    const email = `user${++SampleTestApp.counter}-${randomBytes(3).toString('hex')}@example.test`;
    const res = await this.http.post('/auth/register').send({ email, password }).expect(201);
    return { id: res.body.id, email, password };
  }

  async login(
    email: string,
    password: string,
    headers: Record<string, string> = {},
  ): Promise<Tokens> {
    const res = await this.http.post('/auth/login').set(headers).send({ email, password });
    if (res.status !== 200)
      throw new Error(`login failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as Tokens;
  }

  /** A new user, logged in once. */
  async signUp(headers: Record<string, string> = {}): Promise<{ user: TestUser; tokens: Tokens }> {
    const user = await this.register();
    return { user, tokens: await this.login(user.email, user.password, headers) };
  }

  loginAdmin(): Promise<Tokens> {
    return this.login(ADMIN.email, ADMIN.password);
  }

  /** The status `GET /me` answers with this access token. */
  async meStatus(accessToken: string): Promise<number> {
    return (await this.http.get('/me').set(bearer(accessToken))).status;
  }

  /** The status of an account route for this access token (`GET /me` would also read the account). */
  async guardStatus(accessToken: string): Promise<number> {
    return (await this.http.get('/me/sessions').set(bearer(accessToken))).status;
  }

  /** The status `POST /auth/refresh` answers with this refresh token. */
  async refreshStatus(refreshToken: string, headers: Record<string, string> = {}): Promise<number> {
    return (
      await this.http.post('/auth/refresh').set(headers).send({ refresh_token: refreshToken })
    ).status;
  }
}

/**
 * Each instance's manual clock stands still from its boot, so a later (re)start would issue tokens
 * whose `iat` lies in the others' future. Moves every clock to the latest.
 */
export async function alignClocks(instances: SampleTestApp[]): Promise<void> {
  const latest = Math.max(...instances.map((t) => t.clock.now()));
  for (const t of instances) await t.advance(latest - t.clock.now());
}

/** The claims of a JWT, unverified. */
export function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;
}

let nextAddress = 0;

/** An `X-Forwarded-For` header with an address no other test uses (the app trusts the proxy in tests). */
export function freshIp(): { 'X-Forwarded-For': string } {
  nextAddress++;
  return {
    'X-Forwarded-For': `198.51.${Math.floor(nextAddress / 250) % 250}.${(nextAddress % 250) + 1}`,
  };
}

/** Audit entries about `target`, newest first, read through the admin API. */
export async function auditOf(
  t: SampleTestApp,
  target: string,
): Promise<Record<string, unknown>[]> {
  const admin = await t.loginAdmin();
  const res = await t.http
    .get('/admin/revocations')
    .query({ target, limit: 200 })
    .set(bearer(admin.access_token))
    .expect(200);
  return res.body.entries as Record<string, unknown>[];
}
