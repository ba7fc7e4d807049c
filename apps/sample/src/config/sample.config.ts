import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { isEmail } from 'class-validator';
import { ClientRegistry, validateJwtRevocationOptions } from 'nestjs-jwt-revocation';
import type { JwtRevocationModuleOptions, OAuthClientOptions } from 'nestjs-jwt-revocation';
import { parseSignals, type SignalsSettings } from '../signals/signals.config';
import { parseDuration } from './duration.parser';
import {
  loadKeysDirectory,
  loadOrCreateSecret,
  loadPrivateKeyFile,
  MIN_SECRET_BYTES,
} from './signing-key.loader';

export type HttpAdapterKind = 'fastify' | 'express';

/** Where users and revocations are kept. A SQLite `path` of `:memory:` keeps nothing. */
export type DatabaseLocation =
  | { type: 'sqlite'; path: string }
  | { type: 'postgres'; url: string }
  | { type: 'mysql'; url: string };

/**
 * Where the database is, and how long anything may wait on it (seconds): for a pool connection,
 * a new connection, a statement or a lock (`DATABASE_TIMEOUT`); `poolSize` connections at most.
 */
export type DatabaseConfig = DatabaseLocation & { timeout: number; poolSize: number };

/** The sample app's settings, parsed and checked once at boot. Durations in seconds. */
export interface SampleConfig {
  port: number;
  host: string;
  httpAdapter: HttpAdapterKind;
  /** Take the client IP from `X-Forwarded-For` (only behind a proxy that sets it). */
  trustProxy: boolean;
  /** A client must send its headers within `headers` and its whole request within `request` seconds (else 408). */
  httpTimeouts: { headers: number; request: number };
  /**
   * Seconds a request may spend on the database in all, its own queries and the library's store
   * calls together (`REQUEST_DEADLINE`, default `DATABASE_TIMEOUT`); past it, 503 + `Retry-After`.
   */
  requestDeadline: number;
  dataDir: string;
  database: DatabaseConfig;
  /** When set, revocations are announced to other instances through Redis pub/sub at once. */
  redis: { url: string; channel: string; keyPrefix: string } | null;
  /** How revocations reach other instances at once; polling the database runs underneath regardless. */
  transport: 'redis' | 'postgres' | 'polling';
  /** Run pending migrations at boot (otherwise: `npm run migrate`). */
  migrationsRun: boolean;
  /** Everything `JwtRevocationModule` needs except the store. */
  jwt: Omit<JwtRevocationModuleOptions, 'store'>;
  /**
   * The RFC 8414 issuer identifier: `JWT_ISSUER` when it is an https URL (http on a loopback host)
   * without path, query or fragment. `null`: no `/.well-known/oauth-authorization-server`.
   */
  metadataIssuer: string | null;
  /** Where the signing key came from, for the boot log. */
  keySource: string;
  /** Created at boot when no user has this email. */
  admin: { email: string; password: string } | null;
  login: { maxFailuresPerAccount: number; maxFailuresPerIp: number; failureWindow: number };
  /**
   * `/metrics`: with `token`, only for `Authorization: Bearer <token>`; without one it is public,
   * except in production, where it is disabled (404) rather than exposed.
   */
  metrics: { enabled: boolean; token: string | null };
  /** The compiled scripts of the `/account` and `/admin` pages (`npm run build` writes them). */
  webAssetsDir: string;
  /** OIDC back-channel logout, SSF push and SETs sent; `null` when none is configured. */
  signals: SignalsSettings | null;
  /** Printed at boot. */
  warnings: string[];
}

/** DI token of the `SampleConfig`. */
export const SampleConfig = Symbol('SampleConfig');

/** Every problem found in the environment, so one run shows them all. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

const DAY = 86400;
const MIN_PASSWORD_LENGTH = 8;

/**
 * Reads the settings from `env` (relative paths against `cwd`) and checks all of them, throwing one
 * `ConfigError` that lists every problem. Only once they are valid does it create the data directory
 * and, when no key is configured outside production, the generated signing secret.
 */
export function loadSampleConfig(env: Env = process.env, cwd = process.cwd()): SampleConfig {
  const read = new EnvReader(env);
  const production = read.text('NODE_ENV') === 'production';
  const dataDir = resolve(cwd, read.text('DATA_DIR') ?? 'data');
  const database = parseDatabase(read, cwd, dataDir);
  const accessTokenTtl = read.duration('ACCESS_TOKEN_TTL', 15 * 60, 1, DAY);
  const refreshTokenTtl = read.duration('REFRESH_TOKEN_TTL', 14 * DAY, 1, 365 * DAY);
  const jwt: SampleConfig['jwt'] = {
    issuer: read.text('JWT_ISSUER'),
    audience: read.text('JWT_AUDIENCE'),
    accessTokenTtl,
    refreshTokenTtl,
    sessionIdleTimeout: read.duration('SESSION_IDLE_TIMEOUT', refreshTokenTtl, 0, 365 * DAY),
    sessionAbsoluteTimeout: read.duration('SESSION_ABSOLUTE_TIMEOUT', 30 * DAY, 1, 365 * DAY),
    refreshReuseGrace: read.duration('REFRESH_REUSE_GRACE', 5, 0, 300),
    pollInterval: read.duration('REVOCATION_POLL_INTERVAL', 1, 0, 3600),
    maxStaleness: read.duration('REVOCATION_MAX_STALENESS', 5, 0, DAY),
    failureMode: read.oneOf('REVOCATION_FAILURE_MODE', ['closed', 'open'] as const, 'closed'),
    storeTimeout: database.timeout,
    slowStoreThreshold: read.duration('DATABASE_SLOW_THRESHOLD', 1, 0.001, 600),
    mode: read.oneOf('REVOCATION_MODE', ['denylist', 'allowlist'] as const, 'denylist'),
    ...parseClients(read),
  };
  const config: SampleConfig = {
    port: read.integer('PORT', 3000, 0, 65535),
    host: read.text('HOST') ?? '0.0.0.0',
    httpAdapter: read.oneOf('HTTP_ADAPTER', ['fastify', 'express'], 'fastify'),
    trustProxy: read.boolean('TRUST_PROXY', false),
    httpTimeouts: {
      headers: read.duration('HTTP_HEADERS_TIMEOUT', 10, 1, 300),
      request: read.duration('HTTP_REQUEST_TIMEOUT', 30, 1, 3600),
    },
    requestDeadline: read.duration('REQUEST_DEADLINE', database.timeout, 0.001, 600),
    dataDir,
    database,
    redis: parseRedis(read),
    transport: 'polling',
    migrationsRun: read.boolean('MIGRATIONS_RUN', true),
    jwt,
    metadataIssuer: null,
    keySource: '',
    admin: parseAdmin(read),
    login: {
      maxFailuresPerAccount: read.integer('LOGIN_MAX_FAILURES_PER_ACCOUNT', 5, 1, 1_000_000),
      maxFailuresPerIp: read.integer('LOGIN_MAX_FAILURES_PER_IP', 50, 1, 1_000_000),
      failureWindow: read.duration('LOGIN_FAILURE_WINDOW', 15 * 60, 1, DAY),
    },
    metrics: parseMetrics(read, production),
    webAssetsDir: resolve(cwd, read.text('WEB_ASSETS_DIR') ?? resolve(__dirname, '..', 'web')),
    signals: parseSignals(read, cwd),
    warnings: [],
  };
  if (!config.metrics.enabled) {
    config.warnings.push(
      '/metrics is disabled: NODE_ENV=production and no METRICS_TOKEN (set one to scrape it with Authorization: Bearer <token>)',
    );
  }
  config.transport = parseTransport(read, config.redis, database);
  config.metadataIssuer = metadataIssuer(jwt.issuer, config.warnings);
  if (config.httpTimeouts.request < config.httpTimeouts.headers) {
    read.problem('HTTP_REQUEST_TIMEOUT must be at least HTTP_HEADERS_TIMEOUT');
  }
  readSigningKeys(read, config, cwd, production);
  const transmitter = config.signals?.transmitter;
  if (transmitter && !transmitter.signingKey && config.jwt.keys === undefined) {
    read.problem(
      'SET_RECEIVER_URL needs an asymmetric key to sign SETs: JWT_PRIVATE_KEY_FILE, JWT_KEYS_DIR or SET_SIGNING_KEY_FILE',
    );
  }
  if (transmitter && !transmitter.issuer && !config.jwt.issuer) {
    read.problem('SET_RECEIVER_URL needs SET_ISSUER or JWT_ISSUER: the iss of the SETs');
  }
  if (read.valid && (config.jwt.secret !== undefined || config.jwt.keys !== undefined)) {
    try {
      validateJwtRevocationOptions(config.jwt);
    } catch (error) {
      const message = (error as Error).message.replace(/^jwt-revocation: /, '');
      read.problem(config.jwt.secret !== undefined ? `JWT_SECRET: ${message}` : message);
    }
  }
  read.assertValid();

  createDirectory('DATA_DIR', dataDir);
  if (database.type === 'sqlite' && database.path !== ':memory:') {
    createDirectory('DATABASE_URL', dirname(database.path));
  }
  if (config.jwt.secret === undefined && config.jwt.keys === undefined) {
    let generated: ReturnType<typeof loadOrCreateSecret>;
    try {
      generated = loadOrCreateSecret(dataDir);
    } catch (error) {
      throw new ConfigError([`DATA_DIR: ${(error as Error).message}`]);
    }
    config.jwt.secret = generated.secret;
    config.keySource = `generated secret in ${generated.path} (HS256)`;
    config.warnings.push(
      `No JWT_SECRET, JWT_PRIVATE_KEY_FILE or JWT_KEYS_DIR configured: ${generated.created ? 'generated' : 'using'} a ` +
        `signing secret in ${generated.path}. Other instances do not share it and losing it logs everyone ` +
        'out; configure a key for production.',
    );
  }
  return config;
}

/** Only the database settings (`DATABASE_URL`, `DATA_DIR`), for tools such as `npm run migrate`. */
export function loadDatabaseConfig(env: Env = process.env, cwd = process.cwd()): DatabaseConfig {
  const read = new EnvReader(env);
  const dataDir = resolve(cwd, read.text('DATA_DIR') ?? 'data');
  const database = parseDatabase(read, cwd, dataDir);
  read.assertValid();
  if (database.type === 'sqlite' && database.path !== ':memory:') {
    createDirectory('DATABASE_URL', dirname(database.path));
  }
  return database;
}

/**
 * The signing key: exactly one of `JWT_SECRET`, `JWT_PRIVATE_KEY_FILE` or `JWT_KEYS_DIR` (several
 * keys for rotation, `JWT_SIGNING_KID` naming the one that signs). None outside production means a
 * generated secret, created later once every setting is valid.
 */
function readSigningKeys(read: EnvReader, config: SampleConfig, cwd: string, production: boolean) {
  const secret = read.text('JWT_SECRET');
  const keyFile = read.text('JWT_PRIVATE_KEY_FILE');
  const keysDir = read.text('JWT_KEYS_DIR');
  const signingKid = read.text('JWT_SIGNING_KID');
  const given = [
    ['JWT_SECRET', secret],
    ['JWT_PRIVATE_KEY_FILE', keyFile],
    ['JWT_KEYS_DIR', keysDir],
  ].filter(([, value]) => value !== undefined);
  if (given.length > 1) {
    read.problem(
      `${given.map(([name]) => name).join(' and ')} are ${given.length === 2 ? 'both' : 'all'} set: ` +
        'configure exactly one signing key source',
    );
    return;
  }
  if (signingKid !== undefined && keysDir === undefined) {
    read.problem('JWT_SIGNING_KID needs JWT_KEYS_DIR: it names one of the keys in that directory');
  }
  if (secret !== undefined) {
    const bytes = Buffer.byteLength(secret, 'utf8');
    if (bytes < MIN_SECRET_BYTES) {
      read.problem(`JWT_SECRET must be at least ${MIN_SECRET_BYTES} bytes (UTF-8), got ${bytes}`);
    }
    config.jwt.secret = secret;
    config.keySource = 'JWT_SECRET (HS256)';
  } else if (keyFile !== undefined) {
    try {
      const key = loadPrivateKeyFile(resolve(cwd, keyFile));
      config.jwt.keys = [key];
      config.keySource = `JWT_PRIVATE_KEY_FILE (${key.algorithm}, kid ${key.kid})`;
    } catch (error) {
      read.problem(`JWT_PRIVATE_KEY_FILE: ${(error as Error).message}`);
    }
  } else if (keysDir !== undefined) {
    try {
      const ring = loadKeysDirectory(resolve(cwd, keysDir), signingKid);
      config.jwt.keys = ring.keys;
      config.jwt.signingKid = ring.signingKid;
      const verifying = ring.keys.map((key) => key.kid).join(', ');
      config.keySource = `JWT_KEYS_DIR (signing kid ${ring.signingKid}; verifying ${verifying})`;
    } catch (error) {
      read.problem(`JWT_KEYS_DIR: ${(error as Error).message}`);
    }
  } else if (production) {
    read.problem(
      'NODE_ENV=production needs JWT_SECRET, JWT_PRIVATE_KEY_FILE or JWT_KEYS_DIR: a key generated on this ' +
        'disk is not shared with other instances and is lost with the machine, logging everyone out',
    );
  }
}

function createDirectory(setting: string, path: string): void {
  try {
    mkdirSync(path, { recursive: true });
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new ConfigError([`${setting}: cannot create the directory ${path} (${reason})`]);
  }
}

function parseDatabase(read: EnvReader, cwd: string, dataDir: string): DatabaseConfig {
  return {
    ...parseDatabaseUrl(read, cwd, dataDir),
    timeout: read.duration('DATABASE_TIMEOUT', 5, 0.001, 600),
    poolSize: read.integer('DATABASE_POOL_SIZE', 10, 1, 1000),
  };
}

function parseDatabaseUrl(read: EnvReader, cwd: string, dataDir: string): DatabaseLocation {
  const raw = read.text('DATABASE_URL');
  if (raw === undefined) return { type: 'sqlite', path: join(dataDir, 'sample.sqlite') };
  if (raw.startsWith('sqlite:')) {
    const path = raw.slice('sqlite:'.length).replace(/^\/\//, '');
    if (path === '') {
      read.problem(
        'DATABASE_URL: sqlite:<path> needs a file path, e.g. sqlite:./data/sample.sqlite',
      );
      return { type: 'sqlite', path: ':memory:' };
    }
    return { type: 'sqlite', path: path === ':memory:' ? path : resolve(cwd, path) };
  }
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  const type =
    url?.protocol === 'postgres:' || url?.protocol === 'postgresql:'
      ? 'postgres'
      : url?.protocol === 'mysql:' || url?.protocol === 'mariadb:'
        ? 'mysql'
        : undefined;
  if (!url || !type || url.hostname === '') {
    read.problem(
      `DATABASE_URL must be sqlite:<path>, postgres://user@host:port/db or mysql://user@host:port/db, got ${redact(raw)}`,
    );
    return { type: 'sqlite', path: ':memory:' };
  }
  if (type === 'mysql' && url.pathname.length <= 1) {
    read.problem(
      `DATABASE_URL: name the database in the path, e.g. mysql://root@127.0.0.1:3306/sample`,
    );
  }
  if (type === 'mysql' && url.protocol === 'mariadb:') url.protocol = 'mysql:';
  return { type, url: url.toString() };
}

function parseRedis(read: EnvReader): SampleConfig['redis'] {
  const raw = read.text('REDIS_URL');
  const channel = read.text('REDIS_CHANNEL') ?? 'jwt-revocation:changes';
  const keyPrefix = read.text('REDIS_KEY_PREFIX') ?? 'sample:';
  if (raw === undefined) return null;
  try {
    const url = new URL(raw);
    if ((url.protocol === 'redis:' || url.protocol === 'rediss:') && url.hostname !== '') {
      return { url: raw, channel, keyPrefix };
    }
  } catch {
    // reported below
  }
  read.problem(`REDIS_URL must be redis://host:port or rediss://host:port, got ${redact(raw)}`);
  return null;
}

function parseTransport(
  read: EnvReader,
  redis: SampleConfig['redis'],
  database: DatabaseConfig,
): SampleConfig['transport'] {
  const transport = read.oneOf(
    'REVOCATION_TRANSPORT',
    ['redis', 'postgres', 'polling'],
    redis ? 'redis' : 'polling',
  );
  if (transport === 'redis' && !redis) read.problem('REVOCATION_TRANSPORT=redis needs REDIS_URL');
  if (transport === 'postgres' && database.type !== 'postgres') {
    read.problem('REVOCATION_TRANSPORT=postgres needs a postgres:// DATABASE_URL');
  }
  return transport;
}

const OAUTH_CLIENT_ID = 'sample';

/**
 * The app's own (first-party) client `OAUTH_CLIENT_ID`, which `/auth/login` issues tokens to:
 * public, or confidential with `OAUTH_CLIENT_SECRET_HASH` (then it may also introspect). More
 * clients, e.g. resource servers that introspect, as a JSON array in `OAUTH_CLIENTS`.
 */
function parseClients(
  read: EnvReader,
): Pick<JwtRevocationModuleOptions, 'clients' | 'defaultClientId'> {
  const clientId = read.text('OAUTH_CLIENT_ID') ?? OAUTH_CLIENT_ID;
  const secretHash = read.text('OAUTH_CLIENT_SECRET_HASH');
  const firstParty: OAuthClientOptions = secretHash
    ? { clientId, type: 'confidential', secretHash, introspection: true }
    : { clientId, type: 'public' };
  const raw = read.text('OAUTH_CLIENTS');
  let others: OAuthClientOptions[] = [];
  if (raw !== undefined) {
    try {
      others = JSON.parse(raw) as OAuthClientOptions[];
    } catch {
      read.problem('OAUTH_CLIENTS must be a JSON array of clients');
    }
    if (!Array.isArray(others)) {
      read.problem('OAUTH_CLIENTS must be a JSON array of clients');
      others = [];
    }
  }
  const clients = [firstParty, ...others];
  try {
    new ClientRegistry(clients, clientId);
  } catch (error) {
    const message = (error as Error).message.replace(/^jwt-revocation: /, '');
    read.problem(`OAUTH_CLIENT_ID / OAUTH_CLIENT_SECRET_HASH / OAUTH_CLIENTS: ${message}`);
  }
  return { clients, defaultClientId: clientId };
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** `issuer` when it can identify an RFC 8414 authorization server served at this app's root. */
function metadataIssuer(issuer: string | undefined, warnings: string[]): string | null {
  if (issuer === undefined) return null;
  let url: URL | undefined;
  try {
    url = new URL(issuer);
  } catch {
    url = undefined;
  }
  const secure =
    url?.protocol === 'https:' || (url?.protocol === 'http:' && LOOPBACK.has(url.hostname));
  if (
    !url ||
    !secure ||
    url.pathname !== '/' ||
    url.search !== '' ||
    url.hash !== '' ||
    issuer.includes('?') ||
    issuer.includes('#')
  ) {
    warnings.push(
      `No /.well-known/oauth-authorization-server: JWT_ISSUER ${JSON.stringify(issuer)} is not an https URL ` +
        'without path, query or fragment (RFC 8414 §2)',
    );
    return null;
  }
  return issuer;
}

const MIN_METRICS_TOKEN_LENGTH = 16;

function parseMetrics(read: EnvReader, production: boolean): SampleConfig['metrics'] {
  const token = read.text('METRICS_TOKEN') ?? null;
  if (token !== null && token.length < MIN_METRICS_TOKEN_LENGTH) {
    read.problem(
      `METRICS_TOKEN must be at least ${MIN_METRICS_TOKEN_LENGTH} characters; generate one with \`openssl rand -base64 32\``,
    );
  }
  return { enabled: token !== null || !production, token };
}

function parseAdmin(read: EnvReader): SampleConfig['admin'] {
  const email = read.text('ADMIN_EMAIL')?.toLowerCase();
  const password = read.text('ADMIN_PASSWORD', false);
  if (email === undefined && password === undefined) return null;
  if (email === undefined || password === undefined) {
    read.problem('ADMIN_EMAIL and ADMIN_PASSWORD go together: set both or neither');
    return null;
  }
  if (!isEmail(email) || email.length > 254)
    read.problem(`ADMIN_EMAIL is not an email address: ${email}`);
  if (password.length < MIN_PASSWORD_LENGTH) {
    read.problem(`ADMIN_PASSWORD must be at least ${MIN_PASSWORD_LENGTH} characters`);
  }
  return { email, password };
}

/** Hides the password of a URL before it goes into a message. */
function redact(raw: string): string {
  return JSON.stringify(raw.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@'));
}

/** Reads typed settings, collecting problems instead of stopping at the first. Empty means unset. */
class EnvReader {
  private readonly problems: string[] = [];

  constructor(private readonly env: Env) {}

  text(name: string, trim = true): string | undefined {
    const value = this.env[name];
    if (value === undefined || value.trim() === '') return undefined;
    return trim ? value.trim() : value;
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const raw = this.text(name);
    if (raw === undefined) return fallback;
    const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      this.problem(
        `${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}`,
      );
      return fallback;
    }
    return value;
  }

  duration(name: string, fallback: number, min: number, max: number): number {
    const raw = this.text(name);
    if (raw === undefined) return fallback;
    const value = parseDuration(raw);
    if (value === undefined || value < min || value > max) {
      this.problem(
        `${name} must be a duration from ${min}s to ${max}s, as seconds or like 2s, 15m, 12h, 14d; got ${JSON.stringify(raw)}`,
      );
      return fallback;
    }
    return value;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const raw = this.text(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (!allowed.includes(raw as T)) {
      this.problem(`${name} must be one of ${allowed.join(', ')}, got ${JSON.stringify(raw)}`);
      return fallback;
    }
    return raw as T;
  }

  boolean(name: string, fallback: boolean): boolean {
    const raw = this.text(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (['1', 'true', 'yes'].includes(raw)) return true;
    if (['0', 'false', 'no'].includes(raw)) return false;
    this.problem(`${name} must be true or false, got ${JSON.stringify(raw)}`);
    return fallback;
  }

  get valid(): boolean {
    return this.problems.length === 0;
  }

  problem(message: string): void {
    this.problems.push(message);
  }

  assertValid(): void {
    if (this.problems.length > 0) throw new ConfigError(this.problems);
  }
}
