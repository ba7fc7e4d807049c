import { createPublicKey, generateKeyPairSync, KeyObject } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDuration } from './duration.parser';
import { ConfigError, DatabaseLocation, loadSampleConfig } from './sample.config';
import { GENERATED_SECRET_FILE, jwkThumbprint } from './signing-key.loader';

const SECRET = 'a-secret-of-at-least-thirty-two-bytes';

describe('parseDuration', () => {
  it.each([
    ['90', 90],
    ['2s', 2],
    ['15m', 900],
    ['12h', 43200],
    ['14d', 1209600],
    [' 0 ', 0],
    ['250ms', 0.25],
  ])('reads %p as %p seconds', (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });

  it.each(['', '1.5s', '-1', '10 minutes', '5w', 's', '1e3'])('refuses %p', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe('loadSampleConfig', () => {
  let cwd: string;

  beforeEach(() => {
    cwd = mkdtempSync(join(tmpdir(), 'sample-config-'));
  });
  afterEach(() => rmSync(cwd, { recursive: true, force: true }));

  const load = (env: Record<string, string>) => loadSampleConfig(env, cwd);
  const problemsOf = (env: Record<string, string>): string[] => {
    try {
      load(env);
    } catch (error) {
      if (error instanceof ConfigError) return error.problems;
      throw error;
    }
    throw new Error('expected a ConfigError');
  };

  it('applies the documented defaults', () => {
    const config = load({ JWT_SECRET: SECRET });
    expect(config).toMatchObject({
      port: 3000,
      httpAdapter: 'fastify',
      trustProxy: false,
      requestDeadline: 5,
      database: {
        type: 'sqlite',
        path: join(cwd, 'data', 'sample.sqlite'),
        timeout: 5,
        poolSize: 10,
      },
      redis: null,
      transport: 'polling',
      migrationsRun: true,
      admin: null,
      login: { maxFailuresPerAccount: 5, maxFailuresPerIp: 50, failureWindow: 900 },
      jwt: {
        secret: SECRET,
        accessTokenTtl: 900,
        refreshTokenTtl: 1209600,
        sessionIdleTimeout: 1209600,
        sessionAbsoluteTimeout: 2592000,
        refreshReuseGrace: 5,
        pollInterval: 1,
        maxStaleness: 5,
        failureMode: 'closed',
        storeTimeout: 5,
        slowStoreThreshold: 1,
        mode: 'denylist',
      },
    });
    expect(statSync(join(cwd, 'data')).isDirectory()).toBe(true);
  });

  it('reads every setting', () => {
    const config = load({
      PORT: '8080',
      HTTP_ADAPTER: 'Express',
      TRUST_PROXY: 'yes',
      DATABASE_URL: 'postgres://app:pw@db.internal:5432/sample',
      REDIS_URL: 'redis://cache:6379',
      REDIS_CHANNEL: 'sample:revocations',
      JWT_SECRET: SECRET,
      JWT_ISSUER: 'https://auth.example.test',
      JWT_AUDIENCE: 'sample',
      ACCESS_TOKEN_TTL: '5m',
      REFRESH_TOKEN_TTL: '7d',
      SESSION_IDLE_TIMEOUT: '0',
      SESSION_ABSOLUTE_TIMEOUT: '30d',
      REFRESH_REUSE_GRACE: '0',
      ADMIN_EMAIL: 'Root@Example.test',
      ADMIN_PASSWORD: 'root-password',
      LOGIN_MAX_FAILURES_PER_ACCOUNT: '3',
      LOGIN_MAX_FAILURES_PER_IP: '20',
      LOGIN_FAILURE_WINDOW: '1h',
      REVOCATION_TRANSPORT: 'postgres',
      REVOCATION_POLL_INTERVAL: '500ms',
      REVOCATION_MAX_STALENESS: '3s',
      REVOCATION_FAILURE_MODE: 'open',
      REVOCATION_MODE: 'Allowlist',
      MIGRATIONS_RUN: 'false',
      DATABASE_TIMEOUT: '1500ms',
      REQUEST_DEADLINE: '2s',
      DATABASE_POOL_SIZE: '4',
      DATABASE_SLOW_THRESHOLD: '250ms',
    });
    expect(config).toMatchObject({
      port: 8080,
      httpAdapter: 'express',
      trustProxy: true,
      requestDeadline: 2,
      database: {
        type: 'postgres',
        url: 'postgres://app:pw@db.internal:5432/sample',
        timeout: 1.5,
        poolSize: 4,
      },
      redis: { url: 'redis://cache:6379', channel: 'sample:revocations' },
      transport: 'postgres',
      migrationsRun: false,
      admin: { email: 'root@example.test', password: 'root-password' },
      login: { maxFailuresPerAccount: 3, maxFailuresPerIp: 20, failureWindow: 3600 },
      jwt: {
        issuer: 'https://auth.example.test',
        audience: 'sample',
        accessTokenTtl: 300,
        refreshTokenTtl: 604800,
        sessionIdleTimeout: 0,
        sessionAbsoluteTimeout: 2592000,
        refreshReuseGrace: 0,
        pollInterval: 0.5,
        maxStaleness: 3,
        failureMode: 'open',
        storeTimeout: 1.5,
        slowStoreThreshold: 0.25,
        mode: 'allowlist',
      },
    });
    expect(config.warnings).toEqual([]);
  });

  it.each([
    ['sqlite:./db/app.sqlite', { type: 'sqlite', path: 'db/app.sqlite' }],
    ['sqlite::memory:', { type: 'sqlite', path: ':memory:' }],
    [
      'mysql://root@127.0.0.1:3306/sample',
      { type: 'mysql', url: 'mysql://root@127.0.0.1:3306/sample' },
    ],
    [
      'mariadb://root@127.0.0.1:3306/sample',
      { type: 'mysql', url: 'mysql://root@127.0.0.1:3306/sample' },
    ],
    ['postgresql://u@h/db', { type: 'postgres', url: 'postgresql://u@h/db' }],
  ] as [string, DatabaseLocation][])('reads DATABASE_URL %s', (url, location) => {
    const database = load({ JWT_SECRET: SECRET, DATABASE_URL: url }).database;
    const relative = location.type === 'sqlite' && location.path !== ':memory:';
    const expected = { ...location, timeout: 5, poolSize: 10 };
    expect(database).toEqual(relative ? { ...expected, path: join(cwd, location.path) } : expected);
  });

  it('picks Redis as the transport when REDIS_URL is set', () => {
    expect(load({ JWT_SECRET: SECRET, REDIS_URL: 'redis://127.0.0.1:6379' }).transport).toBe(
      'redis',
    );
  });

  it.each([
    [{ REVOCATION_TRANSPORT: 'redis' }, /REVOCATION_TRANSPORT=redis needs REDIS_URL/],
    [{ REVOCATION_TRANSPORT: 'postgres' }, /needs a postgres:\/\/ DATABASE_URL/],
    [{ REVOCATION_TRANSPORT: 'kafka' }, /REVOCATION_TRANSPORT must be one of/],
    [{ REVOCATION_FAILURE_MODE: 'maybe' }, /REVOCATION_FAILURE_MODE must be one of/],
    [
      { REVOCATION_POLL_INTERVAL: '10s', REVOCATION_MAX_STALENESS: '5s' },
      /maxStaleness must be longer/,
    ],
    [{ DATABASE_TIMEOUT: '0' }, /DATABASE_TIMEOUT must be a duration/],
    [{ DATABASE_TIMEOUT: '11m' }, /DATABASE_TIMEOUT must be a duration/],
    [{ REQUEST_DEADLINE: '0' }, /REQUEST_DEADLINE must be a duration/],
    [{ DATABASE_POOL_SIZE: '0' }, /DATABASE_POOL_SIZE must be a whole number/],
    [{ DATABASE_SLOW_THRESHOLD: 'slow' }, /DATABASE_SLOW_THRESHOLD must be a duration/],
  ])('refuses %p', (env, message) => {
    expect(problemsOf({ JWT_SECRET: SECRET, ...env }).join('\n')).toMatch(message);
  });

  it('lists every problem at once, hiding passwords', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      HTTP_ADAPTER: 'koa',
      DATABASE_URL: 'oracle://scott:tiger@db/orcl',
      REDIS_URL: 'http://cache',
      JWT_SECRET: 'too-short',
      ACCESS_TOKEN_TTL: '15 minutes',
      REFRESH_REUSE_GRACE: '1h',
      ADMIN_EMAIL: 'root@example.test',
      LOGIN_MAX_FAILURES_PER_IP: '0',
      TRUST_PROXY: 'maybe',
    });
    expect(problems).toEqual([
      expect.stringContaining('DATABASE_URL'),
      expect.stringContaining('ACCESS_TOKEN_TTL'),
      expect.stringContaining('REFRESH_REUSE_GRACE'),
      expect.stringContaining('PORT'),
      expect.stringContaining('HTTP_ADAPTER'),
      expect.stringContaining('TRUST_PROXY'),
      expect.stringContaining('REDIS_URL'),
      expect.stringContaining('ADMIN_EMAIL and ADMIN_PASSWORD'),
      expect.stringContaining('LOGIN_MAX_FAILURES_PER_IP'),
      expect.stringContaining('JWT_SECRET must be at least 32 bytes'),
    ]);
    expect(problems.join('\n')).not.toContain('tiger');
  });

  it('counts JWT_SECRET in UTF-8 bytes', () => {
    expect(load({ JWT_SECRET: 'ÄÖÜäöüéèêàçñßøåæ' }).jwt.secret).toBe('ÄÖÜäöüéèêàçñßøåæ');
    expect(problemsOf({ JWT_SECRET: 'é'.repeat(15) })).toEqual([expect.stringContaining('got 30')]);
  });

  it.each([
    ['a'.repeat(32), /JWT_SECRET: the HS256 secret is weak: it has only 1 distinct bytes/],
    ['secret'.repeat(6), /JWT_SECRET: the HS256 secret is weak: it has only 5 distinct bytes/],
    ['your-256-bit-secret-your-256-bit', /JWT_SECRET: .*well-known example secrets/],
  ])(
    'refuses the weak JWT_SECRET %p in production, saying how to make a good one',
    (secret, why) => {
      const problems = problemsOf({ NODE_ENV: 'production', JWT_SECRET: secret });
      expect(problems).toEqual([expect.stringMatching(why)]);
      expect(problems[0]).toContain('openssl rand -base64 48');
    },
  );

  it('reads the HTTP timeouts and METRICS_TOKEN, refusing unusable values', () => {
    expect(load({ JWT_SECRET: SECRET }).httpTimeouts).toEqual({ headers: 10, request: 30 });
    expect(
      load({ JWT_SECRET: SECRET, HTTP_HEADERS_TIMEOUT: '5s', HTTP_REQUEST_TIMEOUT: '1m' })
        .httpTimeouts,
    ).toEqual({ headers: 5, request: 60 });
    expect(
      problemsOf({ JWT_SECRET: SECRET, HTTP_HEADERS_TIMEOUT: '20s', HTTP_REQUEST_TIMEOUT: '10s' }),
    ).toEqual([expect.stringContaining('HTTP_REQUEST_TIMEOUT must be at least')]);
    expect(problemsOf({ JWT_SECRET: SECRET, METRICS_TOKEN: 'short' })).toEqual([
      expect.stringContaining('METRICS_TOKEN must be at least 16 characters'),
    ]);
    expect(load({ JWT_SECRET: SECRET }).metrics).toEqual({ enabled: true, token: null });
    const production = load({ JWT_SECRET: SECRET, NODE_ENV: 'production' });
    expect(production.metrics).toEqual({ enabled: false, token: null });
    expect(production.warnings).toContainEqual(expect.stringMatching(/\/metrics is disabled/));
  });

  it('registers the first-party OAuth client and more from OAUTH_CLIENTS', () => {
    const hash = `sha256:${'A'.repeat(43)}`;
    expect(load({ JWT_SECRET: SECRET }).jwt).toMatchObject({
      clients: [{ clientId: 'sample', type: 'public' }],
      defaultClientId: 'sample',
    });
    const config = load({
      JWT_SECRET: SECRET,
      OAUTH_CLIENT_ID: 'web-bff',
      OAUTH_CLIENT_SECRET_HASH: hash,
      OAUTH_CLIENTS: JSON.stringify([
        { clientId: 'orders-api', secretHash: hash, introspection: true, revocation: false },
      ]),
    });
    expect(config.jwt).toMatchObject({
      clients: [
        { clientId: 'web-bff', type: 'confidential', secretHash: hash, introspection: true },
        { clientId: 'orders-api', secretHash: hash, introspection: true, revocation: false },
      ],
      defaultClientId: 'web-bff',
    });
  });

  it.each([
    ['OAUTH_CLIENTS that is not JSON', { OAUTH_CLIENTS: '[{' }, /JSON array/],
    ['OAUTH_CLIENTS that is no array', { OAUTH_CLIENTS: '{"clientId":"x"}' }, /JSON array/],
    ['a plain secret', { OAUTH_CLIENT_SECRET_HASH: 'hunter2' }, /secretHash from hashClientSecret/],
    ['a duplicate client', { OAUTH_CLIENTS: '[{"clientId":"sample"}]' }, /duplicate clientId/],
  ])('explains %s', (_, env, message) => {
    expect(problemsOf({ JWT_SECRET: SECRET, ...env })).toEqual([expect.stringMatching(message)]);
  });

  it('serves RFC 8414 metadata only for an https JWT_ISSUER without path', () => {
    expect(load({ JWT_SECRET: SECRET }).metadataIssuer).toBeNull();
    expect(
      load({ JWT_SECRET: SECRET, JWT_ISSUER: 'https://auth.example.test' }).metadataIssuer,
    ).toBe('https://auth.example.test');
    expect(load({ JWT_SECRET: SECRET, JWT_ISSUER: 'http://localhost:3000' }).metadataIssuer).toBe(
      'http://localhost:3000',
    );
    for (const issuer of [
      'sample',
      'http://auth.example.test',
      'https://auth.example.test/tenant',
      'https://auth.example.test/?a=1',
    ]) {
      const config = load({ JWT_SECRET: SECRET, JWT_ISSUER: issuer });
      expect(config.metadataIssuer).toBeNull();
      expect(config.warnings).toContainEqual(expect.stringContaining('oauth-authorization-server'));
    }
  });

  it('finds the page scripts beside the build, or in WEB_ASSETS_DIR (relative to cwd)', () => {
    expect(load({ JWT_SECRET: SECRET }).webAssetsDir).toBe(join(__dirname, '..', 'web'));
    expect(load({ JWT_SECRET: SECRET, WEB_ASSETS_DIR: 'public' }).webAssetsDir).toBe(
      join(cwd, 'public'),
    );
  });

  it('refuses two keys at once', () => {
    expect(problemsOf({ JWT_SECRET: SECRET, JWT_PRIVATE_KEY_FILE: 'key.pem' })).toEqual([
      expect.stringContaining('both set'),
    ]);
  });

  it('refuses an unknown REVOCATION_MODE', () => {
    expect(problemsOf({ JWT_SECRET: SECRET, REVOCATION_MODE: 'blocklist' })).toEqual([
      'REVOCATION_MODE must be one of denylist, allowlist, got "blocklist"',
    ]);
  });

  it('refuses JWT_KEYS_DIR together with another key, and JWT_SIGNING_KID without it', () => {
    expect(
      problemsOf({ JWT_SECRET: SECRET, JWT_PRIVATE_KEY_FILE: 'key.pem', JWT_KEYS_DIR: 'keys' }),
    ).toEqual([expect.stringContaining('are all set')]);
    expect(problemsOf({ JWT_SECRET: SECRET, JWT_SIGNING_KID: 'k1' })).toEqual([
      expect.stringContaining('JWT_SIGNING_KID needs JWT_KEYS_DIR'),
    ]);
  });

  describe('JWT_KEYS_DIR', () => {
    const write = (name: string, key: KeyObject) =>
      writeFileSync(
        join(cwd, 'keys', name),
        key.type === 'private'
          ? key.export({ format: 'pem', type: 'pkcs8' })
          : key.export({ format: 'pem', type: 'spki' }),
      );
    const ec = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });

    beforeEach(() => mkdirSync(join(cwd, 'keys')));

    it('verifies with every <kid>.pem and signs with JWT_SIGNING_KID', () => {
      const old = ec();
      write('2026-01.pem', old.privateKey);
      write('2026-07.pem', generateKeyPairSync('ed25519').privateKey);
      write('2025-07.pem', ec().publicKey);
      writeFileSync(join(cwd, 'keys', 'README.txt'), 'not a key');
      const config = load({ JWT_KEYS_DIR: 'keys', JWT_SIGNING_KID: '2026-07' });
      expect(config.jwt.signingKid).toBe('2026-07');
      expect(config.jwt.keys).toEqual([
        expect.objectContaining({ kid: '2025-07', algorithm: 'ES256', privateKey: undefined }),
        expect.objectContaining({ kid: '2026-01', algorithm: 'ES256' }),
        expect.objectContaining({ kid: '2026-07', algorithm: 'EdDSA' }),
      ]);
      expect((config.jwt.keys![1].publicKey as KeyObject).equals(old.publicKey)).toBe(true);
      expect(config.keySource).toBe(
        'JWT_KEYS_DIR (signing kid 2026-07; verifying 2025-07, 2026-01, 2026-07)',
      );
    });

    it('signs with the only private key when JWT_SIGNING_KID is unset', () => {
      write('a.pem', ec().privateKey);
      write('b.pem', ec().publicKey);
      expect(load({ JWT_KEYS_DIR: 'keys' }).jwt.signingKid).toBe('a');
    });

    it.each([
      ['an empty directory', [], undefined, /holds no <kid>.pem key file/],
      ['two private keys and no JWT_SIGNING_KID', ['a', 'b'], undefined, /set JWT_SIGNING_KID/],
      ['an unknown JWT_SIGNING_KID', ['a'], 'c', /"c" is not in .* \(found a\)/],
      ['a public key as signing key', ['a', 'pub'], 'pub', /pub.pem holds only a public key/],
    ])('explains %s', (_, files, kid, message) => {
      for (const name of files)
        write(`${name}.pem`, name === 'pub' ? ec().publicKey : ec().privateKey);
      const env: Record<string, string> = { JWT_KEYS_DIR: 'keys' };
      if (kid) env.JWT_SIGNING_KID = kid;
      expect(problemsOf(env)).toEqual([expect.stringMatching(message)]);
    });

    it('explains a missing directory, a bad file name and a file that is no key', () => {
      expect(problemsOf({ JWT_KEYS_DIR: 'nowhere' })).toEqual([
        expect.stringMatching(/JWT_KEYS_DIR: cannot read the directory .*nowhere: ENOENT/),
      ]);
      write('bad kid.pem', ec().privateKey);
      expect(problemsOf({ JWT_KEYS_DIR: 'keys' })).toEqual([
        expect.stringContaining('the file name is the kid'),
      ]);
      rmSync(join(cwd, 'keys', 'bad kid.pem'));
      writeFileSync(join(cwd, 'keys', 'junk.pem'), 'junk');
      expect(problemsOf({ JWT_KEYS_DIR: 'keys' })).toEqual([
        expect.stringContaining('is not an unencrypted PEM private or public key'),
      ]);
    });
  });

  it('refuses to start in production without a configured key, saying why', () => {
    const problems = problemsOf({ NODE_ENV: 'production' });
    expect(problems).toEqual([
      expect.stringMatching(
        /NODE_ENV=production needs JWT_SECRET, JWT_PRIVATE_KEY_FILE or JWT_KEYS_DIR/,
      ),
    ]);
  });

  it('generates a secret once, keeps it with mode 0600 and warns', () => {
    const first = load({});
    const file = join(cwd, 'data', GENERATED_SECRET_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect((first.jwt.secret as Buffer).length).toBe(32);
    expect(first.warnings).toEqual([expect.stringContaining('generated')]);
    const second = load({});
    expect(second.jwt.secret).toEqual(first.jwt.secret);
    expect(readFileSync(file, 'utf8').trim()).toBe(
      (first.jwt.secret as Buffer).toString('base64url'),
    );
  });

  it('refuses a damaged generated secret', () => {
    load({});
    writeFileSync(join(cwd, 'data', GENERATED_SECRET_FILE), 'short');
    expect(() => load({})).toThrow(/delete it to generate a new one/);
  });

  it.each([
    ['ES256', () => generateKeyPairSync('ec', { namedCurve: 'P-256' })],
    ['EdDSA', () => generateKeyPairSync('ed25519')],
  ])('detects %s from the key file and names it by its thumbprint', (algorithm, generate) => {
    const { privateKey, publicKey } = generate();
    writeFileSync(join(cwd, 'key.pem'), privateKey.export({ format: 'pem', type: 'pkcs8' }));
    const config = load({ JWT_PRIVATE_KEY_FILE: 'key.pem' });
    expect(config.jwt.keys).toEqual([
      expect.objectContaining({ algorithm, kid: jwkThumbprint(publicKey) }),
    ]);
    expect(config.jwt.secret).toBeUndefined();
  });

  it('computes the RFC 7638 thumbprint', () => {
    const key = {
      kty: 'RSA',
      e: 'AQAB',
      n: '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
    };
    expect(jwkThumbprint(createPublicKey({ key, format: 'jwk' }))).toBe(
      'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs',
    );
  });

  it.each([
    ['a missing file', 'missing.pem', /cannot read/],
    ['a public key', 'public.pem', /not an unencrypted PEM private key/],
    ['a P-384 key', 'p384.pem', /use a P-256 key \(ES256\) or an Ed25519 key/],
  ])('explains %s', (_, file, message) => {
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    writeFileSync(join(cwd, 'public.pem'), p384.publicKey.export({ format: 'pem', type: 'spki' }));
    writeFileSync(join(cwd, 'p384.pem'), p384.privateKey.export({ format: 'pem', type: 'pkcs8' }));
    const problems = problemsOf({ JWT_PRIVATE_KEY_FILE: file });
    expect(problems).toEqual([expect.stringMatching(message)]);
  });

  describe('security signals', () => {
    const idp = {
      OIDC_BACKCHANNEL_ISSUER: 'https://idp.example/realms/acme',
      OIDC_BACKCHANNEL_JWKS_URL: 'https://idp.example/certs',
      OIDC_BACKCHANNEL_AUDIENCE: 'sample-api',
    };

    it('are off unless configured', () => {
      expect(load({ JWT_SECRET: SECRET }).signals).toBeNull();
    });

    it('read the IdP, the SSF transmitter and the SET receiver', () => {
      const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      writeFileSync(join(cwd, 'set.pem'), key.privateKey.export({ format: 'pem', type: 'pkcs8' }));
      const signals = load({
        JWT_SECRET: SECRET,
        ...idp,
        SSF_TRANSMITTER_ISSUER: 'https://ssf.example',
        SSF_TRANSMITTER_JWKS_URL: 'https://ssf.example/jwks',
        SSF_TRANSMITTER_AUDIENCE: 'https://api.example',
        SET_RECEIVER_URL: 'https://siem.example/push',
        SET_RECEIVER_AUDIENCE: 'https://siem.example',
        SET_ISSUER: 'https://api.example',
        SET_SIGNING_KEY_FILE: 'set.pem',
        SET_RETRY_DELAY: '250ms',
      }).signals!;
      expect(signals.backChannelLogout).toEqual({
        issuer: idp.OIDC_BACKCHANNEL_ISSUER,
        jwksUri: idp.OIDC_BACKCHANNEL_JWKS_URL,
        audience: 'sample-api',
      });
      expect(signals.ssf?.issuer).toBe('https://ssf.example');
      expect(signals.transmitter).toEqual(
        expect.objectContaining({
          endpoint: 'https://siem.example/push',
          retryDelay: 0.25,
          maxRetryDelay: 300,
          leaseTtl: 30,
          signingKey: expect.objectContaining({ algorithm: 'ES256' }),
        }),
      );
    });

    it('list every incomplete or unusable setting', () => {
      expect(
        problemsOf({
          JWT_SECRET: SECRET,
          OIDC_BACKCHANNEL_ISSUER: 'https://idp.example',
          SSF_TRANSMITTER_ISSUER: 'https://ssf.example',
          SSF_TRANSMITTER_JWKS_URL: 'ftp://ssf.example/jwks',
          SSF_TRANSMITTER_AUDIENCE: 'api',
          SET_RECEIVER_URL: 'https://siem.example/push',
          SET_RECEIVER_AUDIENCE: 'siem',
        }),
      ).toEqual([
        expect.stringMatching(
          /OIDC_BACKCHANNEL_ISSUER, OIDC_BACKCHANNEL_JWKS_URL and OIDC_BACKCHANNEL_AUDIENCE go together/,
        ),
        expect.stringMatching(/SSF_TRANSMITTER_JWKS_URL must be an http\(s\) URL/),
        expect.stringMatching(/SET_RECEIVER_URL needs an asymmetric key/),
        expect.stringMatching(/SET_RECEIVER_URL needs SET_ISSUER or JWT_ISSUER/),
      ]);
    });
  });
});
