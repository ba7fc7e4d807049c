import { createHmac, generateKeyPairSync, KeyObject, sign } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import request from 'supertest';

/** The signing algorithms the sample can run with. */
export type Alg = 'HS256' | 'ES256' | 'EdDSA' | 'RS256';
export const ALGS: Alg[] = ['HS256', 'ES256', 'EdDSA', 'RS256'];

export const ISSUER = 'https://issuer.example.test';
export const AUDIENCE = 'sample-api';

/** The env every attacked instance runs with (besides its key). */
export const ATTACK_ENV = { JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE };

/** A JWT header or claims set. */
export type Json = Record<string, unknown>;

/** base64url of a string as is, or of a value's JSON. */
export const b64 = (value: unknown): string =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

export const decode = (segment: string): Json =>
  JSON.parse(Buffer.from(segment, 'base64url').toString('utf8')) as Json;

export const hmac = (secret: string | Buffer | KeyObject, input: string): string =>
  createHmac('sha256', secret).update(input).digest('base64url');

/** The key material of one instance: how it signs, and what an attacker can see of it. */
export interface SigningKey {
  alg: Alg;
  /** HS256: the shared secret (known to the test only, to isolate the check under attack). */
  secret?: string;
  privateKey?: KeyObject;
  publicKey?: KeyObject;
  /** The `JWT_*` settings that make an instance use this key. */
  env: Record<string, string>;
}

/** A fresh key of `alg`; asymmetric private keys are written to `dir` as PKCS#8 PEM. */
export function signingKey(alg: Alg, dir: string): SigningKey {
  if (alg === 'HS256') {
    const secret = createHmac('sha256', String(Math.random())).digest('base64url') + 'Zq9';
    return { alg, secret, env: { ...ATTACK_ENV, JWT_SECRET: secret } };
  }
  const pair =
    alg === 'ES256'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : alg === 'EdDSA'
        ? generateKeyPairSync('ed25519')
        : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const file = join(dir, `${alg}.pem`);
  writeFileSync(file, pair.privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
  return {
    alg,
    privateKey: pair.privateKey,
    publicKey: pair.publicKey,
    env: { ...ATTACK_ENV, JWT_SECRET: '', JWT_PRIVATE_KEY_FILE: file },
  };
}

/** A signature of `input` made with `key` the way `alg` signs (JWS encodings). */
export function signWith(alg: Alg, key: KeyObject | string, input: string): string {
  if (alg === 'HS256') return hmac(key, input);
  const data = Buffer.from(input);
  const signature =
    alg === 'ES256'
      ? sign('sha256', data, { key: key as KeyObject, dsaEncoding: 'ieee-p1363' })
      : alg === 'EdDSA'
        ? sign(null, data, key as KeyObject)
        : sign('sha256', data, key as KeyObject);
  return signature.toString('base64url');
}

/** One HTTP request of the catalogue. */
export interface RawRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'OPTIONS' | 'TRACE' | 'PATCH' | 'HEAD';
  path: string;
  headers?: Record<string, string | string[]>;
  /** An object is sent as JSON; a string as is (set its Content-Type). */
  body?: unknown;
}

export interface RawResponse {
  /** 0: the server closed the connection without an answer the client could read. */
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  ms: number;
}

/**
 * A live instance under attack (an in-process test app or the built sample in its own process),
 * with a token it issued and the means to forge others with its real key, so that a forged token
 * differs from a valid one only in what the attack changes.
 */
export class Target {
  constructor(
    readonly key: SigningKey,
    private readonly server: Server | string,
    readonly valid: { token: string; header: Json; claims: Json },
    readonly refresh: string,
    readonly jwks: { keys: Json[] },
    readonly canary: Canary,
    private readonly clock: 'manual' | 'real',
  ) {}

  /**
   * Registers and logs in a new user on `server`. `clock`: an in-process test app runs on a manual
   * clock that stands still, a process on the real one.
   */
  static async open(
    key: SigningKey,
    server: Server | string,
    canary: Canary,
    clock: 'manual' | 'real' = 'manual',
  ): Promise<Target> {
    const email = `attack-${Math.random().toString(36).slice(2)}@example.test`;
    await request(server)
      .post('/auth/register')
      .send({ email, password: 'password-123' })
      .expect(201);
    const login = await request(server)
      .post('/auth/login')
      .send({ email, password: 'password-123' })
      .expect(200);
    const token = login.body.access_token as string;
    const [h, p] = token.split('.');
    const jwks = (await request(server).get('/.well-known/jwks.json').expect(200)).body;
    return new Target(
      key,
      server,
      { token, header: decode(h), claims: decode(p) },
      login.body.refresh_token as string,
      jwks,
      canary,
      clock,
    );
  }

  get alg(): Alg {
    return this.key.alg;
  }

  /** The instance's "now" in seconds. */
  get now(): number {
    return this.clock === 'manual' ? Number(this.valid.claims.iat) : Math.floor(Date.now() / 1000);
  }

  http() {
    return request(this.server);
  }

  /** Where to open raw connections (an in-process server starts listening on a free port). */
  async address(): Promise<{ host: string; port: number }> {
    if (typeof this.server === 'string') {
      const url = new URL(this.server);
      return { host: url.hostname, port: Number(url.port) };
    }
    const server = this.server;
    if (!server.listening) {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    }
    return { host: '127.0.0.1', port: (server.address() as AddressInfo).port };
  }

  /** Signs `header`.`claims` (objects as JSON, strings as is) with the instance's real key. */
  sign(header: Json | string, claims: Json | string): string {
    const input = `${b64(header)}.${b64(claims)}`;
    return `${input}.${this.signature(input)}`;
  }

  /** The real key's signature of `input`. */
  signature(input: string): string {
    return signWith(this.alg, (this.key.secret ?? this.key.privateKey)!, input);
  }

  /** The valid token with claims changed (`undefined` removes one), re-signed with the real key. */
  withClaims(changes: Json): string {
    return this.sign(this.valid.header, { ...this.valid.claims, ...changes });
  }

  /** The valid token with header parameters changed (`undefined` removes one), re-signed. */
  withHeader(changes: Json): string {
    return this.sign({ ...this.valid.header, ...changes }, this.valid.claims);
  }

  async send(req: RawRequest): Promise<RawResponse> {
    const started = Date.now();
    const agent = this.http();
    const method = req.method.toLowerCase() as 'get';
    let call = agent[method](req.path);
    for (const [name, value] of Object.entries(req.headers ?? {})) {
      call = call.set(name, value as string);
    }
    if (req.body !== undefined) call = call.send(req.body as object);
    const res = await call.catch((error: { response?: unknown; code?: string }) => {
      if (error.response) return error.response as Awaited<typeof call>;
      // The server refused the request and closed the connection before it was fully sent.
      if (error.code === 'ECONNRESET' || error.code === 'EPIPE') return undefined;
      throw error;
    });
    if (!res) return { status: 0, headers: {}, text: '', ms: Date.now() - started };
    return {
      status: res.status,
      headers: res.headers as RawResponse['headers'],
      text: res.text ?? '',
      ms: Date.now() - started,
    };
  }
}

/** A local HTTP server an attack points key URLs at (`jku`, `x5u`): it must never be called. */
export class Canary {
  readonly hits: string[] = [];

  private constructor(private readonly server: Server) {}

  static async start(): Promise<Canary> {
    const server = createServer();
    const canary = new Canary(server);
    server.on('request', (req: IncomingMessage, res) => {
      canary.hits.push(`${req.method} ${req.url}`);
      res.end('{"keys":[]}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    return canary;
  }

  url(path: string): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${path}`;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
