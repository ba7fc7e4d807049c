import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { JwtRevocationModule, RevocationService, RevocationSync } from 'nestjs-jwt-revocation';
import {
  JWT_REVOCATION_ENTITIES,
  JWT_REVOCATION_MIGRATIONS,
  TypeOrmRevocationStore,
} from 'nestjs-jwt-revocation/typeorm';
import { DataSource, DataSourceOptions } from 'typeorm';
import { BENCH_SECRET, median, now, randomIds } from './bench.shared';

/**
 * Two figures on a real database (DATABASE_URL: sqlite:<file> or postgres://), one role per process:
 * - the time for a fresh instance to load 1M revocations and report ready (ROLE=seed, then ROLE=boot);
 * - the cost of a user-wide revocation for a user with 1 and with 10,000 live sessions (ROLE=cost).
 */
function options(url: string): DataSourceOptions {
  const common = {
    entities: JWT_REVOCATION_ENTITIES,
    migrations: JWT_REVOCATION_MIGRATIONS,
    migrationsRun: true,
  };
  return url.startsWith('sqlite:')
    ? { type: 'better-sqlite3', database: url.slice('sqlite:'.length), enableWAL: true, ...common }
    : { type: 'postgres', url, ...common };
}

/** Inserts `count` revoked jtis straight into the change log, the way months of revocations would leave it. */
async function seed(ds: DataSource, url: string, count: number) {
  const expiresAt = Date.now() + 86_400_000;
  if (url.startsWith('sqlite:')) {
    await ds.query(
      `WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ?)
       INSERT INTO jwt_revocation_change (kind, target, version, expires_at, created_at)
       SELECT 'jti', lower(hex(randomblob(16))), 0, ?, ? FROM s`,
      [count, expiresAt, Date.now()],
    );
  } else {
    await ds.query(
      `INSERT INTO jwt_revocation_change (kind, target, version, expires_at, created_at)
       SELECT 'jti', md5(random()::text || i), 0, $1, $2 FROM generate_series(1, $3) i`,
      [expiresAt, Date.now(), count],
    );
  }
}

async function boot(ds: DataSource) {
  @Module({
    imports: [
      JwtRevocationModule.forRoot({
        secret: BENCH_SECRET,
        store: new TypeOrmRevocationStore(ds),
        pollInterval: 0,
        purgeInterval: 0,
      }),
    ],
  })
  class LoadModule {}
  return NestFactory.createApplicationContext(LoadModule, { logger: false });
}

/** ROLE=seed: creates the schema and inserts ENTRIES revoked jtis. */
async function seedRole(url: string, count: number) {
  const ds = await new DataSource(options(url)).initialize();
  await seed(ds, url, count);
  await ds.destroy();
  return { entries: count };
}

/**
 * ROLE=boot, in a fresh process each time (cold, as a new instance would be): from opening the
 * database to the module reporting its cache loaded.
 */
async function bootRole(url: string, count: number) {
  const started = now();
  const ds = await new DataSource(options(url)).initialize();
  const app = await boot(ds);
  const status = app.get(RevocationSync).status();
  const readyMs = now() - started;
  if (!status.loaded || status.size.tokens < count)
    throw new Error(`not loaded: ${JSON.stringify(status)}`);
  await app.close();
  await ds.destroy();
  return { ready_ms: readyMs };
}

/**
 * `count` live sessions of `subject`, inserted by one SQL statement (as `seed` does): the sessions
 * of a real user were created over days, so neither the client nor the database should still be
 * busy with them when the revocation is timed.
 */
async function liveSessions(ds: DataSource, url: string, subject: string, count: number) {
  const now = Date.now();
  const columns = `id, subject, roles, created_at, last_seen_at, expires_at, user_version, global_version,
    refresh_jti, refresh_issued_at, refresh_expires_at`;
  if (url.startsWith('sqlite:')) {
    await ds.query(
      `WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ?)
       INSERT INTO jwt_revocation_session (${columns})
       SELECT lower(hex(randomblob(16))), ?, '["user"]', ?, ?, ?, 0, 0, lower(hex(randomblob(16))), ?, ? FROM s`,
      [count, subject, now, now, now + 86_400_000, now, now + 86_400_000],
    );
  } else {
    await ds.query(
      `INSERT INTO jwt_revocation_session (${columns})
       SELECT md5(random()::text || i), $1, '["user"]', $2, $2, $3, 0, 0, md5(random()::text || -i), $2, $3
       FROM generate_series(1, $4::int) i`,
      [subject, now, now + 86_400_000, count],
    );
  }
}

/** Sessions inserted before every timed revocation, whatever the revoked user holds. */
const FIXTURE_SESSIONS = 10_000;

/**
 * ROLE=cost: a user-wide revocation for a user with 1 and with 10,000 live sessions, ROUNDS times
 * each, alternating: uncounted (`count: false`, what an app that does not need the number asks
 * for) and counted (`revoked` returned, as an admin route does).
 *
 * Every timed revocation follows the same fixture work, 10,000 sessions inserted (the 1-session
 * user's one and a bystander's 9,999), so the two cases differ only in what the revoked user holds:
 * a revocation right after a 10,000-row insert runs 1 ms slower whoever the rows belong to (see
 * bench/README.md).
 */
async function costRole(url: string, rounds: number) {
  const ds = await new DataSource(options(url)).initialize();
  const app = await boot(ds);
  const revocations = app.get(RevocationService);
  const store = new TypeOrmRevocationStore(ds);
  const sizes = [1, 10_000] as const;
  const paths = ['uncounted', 'counted'] as const;
  const cases = paths.flatMap((path) => sizes.map((live) => ({ path, live })));
  const samples = new Map(cases.map((c) => [`${c.path} ${c.live}`, [] as number[]]));
  const warmUp = `warm-up-${randomIds(1)[0]}`;
  await liveSessions(ds, url, warmUp, 10);
  await revocations.revokeUser(warmUp, { reason: 'admin' });
  await revocations.revokeUser(warmUp, { reason: 'admin', count: false });
  for (let round = 0; round < rounds; round++) {
    for (const { path, live } of round % 2 ? [...cases].reverse() : cases) {
      const subject = `cost-${path}-${live}-${round}-${randomIds(1)[0]}`;
      await liveSessions(ds, url, subject, live);
      if (live < FIXTURE_SESSIONS) {
        await liveSessions(ds, url, `${subject}-bystander`, FIXTURE_SESSIONS - live);
      }
      const started = now();
      const { revoked } = await revocations.revokeUser(subject, {
        reason: 'admin',
        count: path === 'counted',
      });
      samples.get(`${path} ${live}`)!.push(now() - started);
      const expected = path === 'counted' ? live : null;
      if (revoked !== expected) throw new Error(`expected ${expected} revoked, got ${revoked}`);
      // The fixtures begin under user version 0: version 1 ends them all.
      if ((await store.versions(subject)).user !== 1) throw new Error(`${subject}: not revoked`);
    }
  }
  await app.close();
  await ds.destroy();
  const of = (path: (typeof paths)[number]) => ({
    live_1: median(samples.get(`${path} 1`)!),
    live_10000: median(samples.get(`${path} 10000`)!),
  });
  return { revoke_user_ms: { uncounted: of('uncounted'), counted: of('counted') } };
}

async function main() {
  const url = process.env.DATABASE_URL!;
  const count = Number(process.env.ENTRIES ?? 1_000_000);
  const role = process.env.ROLE;
  const result =
    role === 'seed'
      ? await seedRole(url, count)
      : role === 'boot'
        ? await bootRole(url, count)
        : role === 'cost'
          ? await costRole(url, Number(process.env.ROUNDS ?? 5))
          : undefined;
  if (!result) throw new Error(`ROLE must be seed, boot or cost, not ${role}`);
  process.stdout.write(JSON.stringify(result) + '\n');
}

void main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`${String(error?.stack ?? error)}\n`);
    process.exit(1);
  },
);
