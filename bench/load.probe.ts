import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { JwtRevocationModule, RevocationService, RevocationSync } from 'nestjs-jwt-revocation';
import {
  JWT_REVOCATION_ENTITIES,
  JWT_REVOCATION_MIGRATIONS,
  RevocationSessionEntity,
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

/** `count` live sessions of `subject`, inserted in bulk: fixtures for the cost measurement. */
async function liveSessions(ds: DataSource, subject: string, count: number) {
  const now = Date.now();
  for (let from = 0; from < count; from += 1000) {
    const ids = randomIds(2 * Math.min(1000, count - from));
    const rows = Array.from({ length: ids.length / 2 }, (_, i) => ({
      id: ids[2 * i],
      subject,
      roles: '[]',
      createdAt: now,
      lastSeenAt: now,
      expiresAt: now + 86_400_000,
      ip: null,
      lastIp: null,
      userAgent: null,
      userVersion: 0,
      globalVersion: 0,
      refreshJti: ids[2 * i + 1],
      refreshIssuedAt: now,
      refreshExpiresAt: now + 86_400_000,
      previousRefreshJti: null,
      rotatedAt: null,
      revokedAt: null,
      revokedReason: null,
    }));
    await ds
      .createQueryBuilder()
      .insert()
      .into(RevocationSessionEntity)
      .values(rows)
      .updateEntity(false)
      .execute();
  }
}

/** ROLE=cost: a user-wide revocation for a user with 1 and with 10,000 live sessions, ROUNDS times each. */
async function costRole(url: string, rounds: number) {
  const ds = await new DataSource(options(url)).initialize();
  const app = await boot(ds);
  const revocations = app.get(RevocationService);
  const cost: Record<string, number> = {};
  const warmUp = `warm-up-${randomIds(1)[0]}`;
  await liveSessions(ds, warmUp, 10);
  await revocations.revokeUser(warmUp, { reason: 'admin' });
  for (const live of [1, 10_000]) {
    const samples: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const subject = `cost-${live}-${round}-${randomIds(1)[0]}`;
      await liveSessions(ds, subject, live);
      const started = now();
      const { revoked } = await revocations.revokeUser(subject, { reason: 'admin' });
      samples.push(now() - started);
      if (revoked !== live) throw new Error(`expected ${live} revoked, got ${revoked}`);
    }
    cost[`live_${live}`] = median(samples);
  }
  await app.close();
  await ds.destroy();
  return { revoke_user_ms: cost };
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
