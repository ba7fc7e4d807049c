import { createHmac, generateKeyPairSync, KeyObject, sign } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bearer, claimsOf, sampleMatrix, SampleTestApp } from './sample/support/sample-app';

/**
 * A catalogue of JWT attacks against the built sample, one test per item, each titled with where
 * it comes from: RFC 8725 (JWT BCP), the OWASP JWT cheat sheet, OWASP ASVS 5.0 V9 (self-contained
 * tokens) and CVEs of jsonwebtoken, express-jwt, fast-jwt, node-jose and Java's ECDSA. Every forged
 * token must be refused with a 4xx and never reach the handler.
 */
const sqliteOnly = sampleMatrix().filter(([kind]) => kind === 'sqlite');
const ISSUER = 'https://issuer.example.test';
const AUDIENCE = 'sample-api';

const enc = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const hmac = (secret: string | Buffer | KeyObject, input: string) =>
  createHmac('sha256', secret).update(input).digest('base64url');

describe.each(sqliteOnly)('JWT attack catalogue on %s with %s', (kind, adapter) => {
  let hs: SampleTestApp;
  let es: SampleTestApp;
  let rs: SampleTestApp;
  let dir: string;
  let rsaPublicPem: string;
  let secret: string;
  let valid: { token: string; header: Record<string, unknown>; claims: Record<string, unknown> };

  /** A token signed with the real HS256 secret, so that only the check under test can refuse it. */
  const signed = (header: Record<string, unknown>, claims: Record<string, unknown>) => {
    const input = `${enc(header)}.${enc(claims)}`;
    return `${input}.${hmac(secret, input)}`;
  };
  const withClaims = (changes: Record<string, unknown>) =>
    signed(valid.header, { ...valid.claims, ...changes });
  const withHeader = (changes: Record<string, unknown>) =>
    signed({ ...valid.header, ...changes }, valid.claims);

  /** Each token must be refused on GET /me with a 4xx (401 `invalid_token` unless `status` says otherwise). */
  async function refused(app: SampleTestApp, tokens: string[], status = 401): Promise<void> {
    for (const token of tokens) {
      const res = await app.http.get('/me').set('Authorization', `Bearer ${token}`);
      expect([token.slice(0, 60), res.status]).toEqual([token.slice(0, 60), status]);
    }
  }

  beforeAll(async () => {
    const env = { JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE };
    hs = await SampleTestApp.start(kind, adapter, env);
    secret = hs.config.jwt.secret as string;
    const { tokens } = await hs.signUp();
    const [h] = tokens.access_token.split('.');
    valid = {
      token: tokens.access_token,
      header: JSON.parse(Buffer.from(h, 'base64url').toString()) as Record<string, unknown>,
      claims: claimsOf(tokens.access_token),
    };
    expect(await hs.meStatus(valid.token)).toBe(200);
    expect(await hs.meStatus(withClaims({}))).toBe(200);

    dir = mkdtempSync(join(tmpdir(), 'attack-keys-'));
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    rsaPublicPem = rsa.publicKey.export({ format: 'pem', type: 'spki' }) as string;
    const pem = (key: KeyObject, name: string) => {
      const file = join(dir, name);
      writeFileSync(file, key.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
      return { ...env, JWT_SECRET: '', JWT_PRIVATE_KEY_FILE: file };
    };
    es = await SampleTestApp.start(kind, adapter, pem(ec.privateKey, 'ec.pem'));
    rs = await SampleTestApp.start(kind, adapter, pem(rsa.privateKey, 'rsa.pem'));
  });
  afterAll(async () => {
    await hs?.close();
    await es?.close();
    await rs?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('[RFC 8725 §3.1, CVE-2015-9235 jsonwebtoken] alg "none" in any case, with or without signature', async () => {
    const tokens = ['none', 'None', 'NONE', 'nOnE'].flatMap((alg) => {
      const input = `${enc({ ...valid.header, alg })}.${enc(valid.claims)}`;
      return [`${input}.`, `${input}.${valid.token.split('.')[2]}`];
    });
    await refused(hs, tokens);
  });

  it('[RFC 8725 §2.1, CVE-2016-10555 / CVE-2022-23540 jsonwebtoken, CVE-2023-48223 fast-jwt] HS256 signed with the RSA public key as secret', async () => {
    const { tokens } = await rs.signUp();
    const [h] = tokens.access_token.split('.');
    const header = { ...JSON.parse(Buffer.from(h, 'base64url').toString()), alg: 'HS256' };
    const claims = claimsOf(tokens.access_token);
    const jwks = (await rs.http.get('/.well-known/jwks.json').expect(200)).body;
    const secrets = [
      rsaPublicPem,
      `  ${rsaPublicPem}`,
      rsaPublicPem.trim(),
      rsaPublicPem.replace(/\n/g, '\r\n'),
      JSON.stringify(jwks.keys[0]),
    ];
    const forged = secrets.map((key) => {
      const input = `${enc(header)}.${enc(claims)}`;
      return `${input}.${hmac(key, input)}`;
    });
    await refused(rs, forged);
    expect(await rs.meStatus(tokens.access_token)).toBe(200);
  });

  it('[CVE-2022-21449 "psychic signatures"] ES256 with r = s = 0', async () => {
    const { tokens } = await es.signUp();
    const [h, p] = tokens.access_token.split('.');
    const zeros = Buffer.alloc(64).toString('base64url');
    const derZeros = Buffer.from([0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00]).toString(
      'base64url',
    );
    await refused(es, [`${h}.${p}.${zeros}`, `${h}.${p}.${derZeros}`]);
    expect(await es.meStatus(tokens.access_token)).toBe(200);
  });

  it("[express-jwt CVE-2020-15084, RFC 8725 §3.1] algorithms other than the key's own", async () => {
    const tokens = ['HS384', 'HS512', 'RS256', 'PS256', 'ES256', 'EdDSA', 'hs256', ''].map((alg) =>
      withHeader({ alg }),
    );
    await refused(hs, tokens);
  });

  it('[OWASP JWT cheat sheet: signature stripping] no signature, two segments, empty segments', async () => {
    const [h, p] = valid.token.split('.');
    await refused(hs, [`${h}.${p}.`, `${h}.${p}`, `${h}..`, `.${p}.`, '..', `${h}.${p}.${p}`]);
  });

  it('[OWASP JWT cheat sheet: tampering] payload changed, signature kept', async () => {
    const [h, , s] = valid.token.split('.');
    await refused(hs, [`${h}.${enc({ ...valid.claims, roles: ['admin'] })}.${s}`]);
  });

  it('[RFC 8725 §3.11, RFC 9068 §2.1] typ confusion: refresh token, typ JWT, no typ', async () => {
    const { tokens } = await hs.signUp();
    const { typ: _drop, ...noTyp } = valid.header;
    await refused(hs, [
      tokens.refresh_token,
      withHeader({ typ: 'JWT' }),
      withHeader({ typ: 'refresh+jwt' }),
      signed(noTyp, valid.claims),
    ]);
  });

  it('[RFC 7515 §4.1.11, RFC 8725 §3.1] crit header', async () => {
    await refused(hs, [withHeader({ crit: ['exp'] }), withHeader({ crit: [] })]);
  });

  it('[RFC 7797, fast-jwt] unencoded payload (b64: false)', async () => {
    await refused(hs, [withHeader({ b64: false, crit: ['b64'] }), withHeader({ b64: false })]);
  });

  it('[OWASP JWT cheat sheet, CVE-2018-0114 node-jose] embedded or remote keys: jwk, jku, x5u, x5c', async () => {
    const attacker = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = attacker.publicKey.export({ format: 'jwk' });
    const header = { ...valid.header, alg: 'ES256', jwk };
    const input = `${enc(header)}.${enc(valid.claims)}`;
    const signature = sign('sha256', Buffer.from(input), {
      key: attacker.privateKey,
      dsaEncoding: 'ieee-p1363',
    }).toString('base64url');
    await refused(hs, [
      `${input}.${signature}`,
      withHeader({ jku: 'https://attacker.example/jwks.json' }),
      withHeader({ x5u: 'https://attacker.example/cert.pem' }),
      withHeader({ x5c: ['MIIB'] }),
      withHeader({ jwk }),
    ]);
  });

  it('[OWASP JWT cheat sheet: kid injection] path traversal, SQL and command injection in kid', async () => {
    const kids = [
      '../../../../../../dev/null',
      '/proc/self/environ',
      "' UNION SELECT 'key' --",
      '|cat /etc/passwd',
      'x\u0000y',
      { $ne: null },
      ['a'],
    ];
    const tokens = kids.flatMap((kid) => {
      const input = `${enc({ ...valid.header, kid })}.${enc(valid.claims)}`;
      return [withHeader({ kid }), `${input}.${hmac('', input)}`, `${input}.${hmac('key', input)}`];
    });
    await refused(hs, tokens);
  });

  it('[RFC 8725 §2.8, §3.11] nested JWT: a JWT as payload, cty JWT', async () => {
    const input = `${enc({ ...valid.header, cty: 'JWT' })}.${Buffer.from(valid.token).toString('base64url')}`;
    await refused(hs, [`${input}.${hmac(secret, input)}`]);
  });

  it('[RFC 7515 §5.2, RFC 8259 §4] duplicate JSON keys cannot turn alg into none', async () => {
    const header = `{"typ":"at+jwt","alg":"HS256","alg":"none"}`;
    const input = `${Buffer.from(header).toString('base64url')}.${enc(valid.claims)}`;
    await refused(hs, [`${input}.${hmac(secret, input)}`, `${input}.`]);
  });

  it('[RFC 8725 §3.1 size, CVE-2022-25898 DoS] huge tokens and headers', async () => {
    await refused(hs, [withClaims({ pad: 'x'.repeat(9000) }), 'a'.repeat(9000)]);
    for (const size of [20_000, 100_000]) {
      const res = await hs.http.get('/me').set('Authorization', `Bearer ${'y'.repeat(size)}`);
      expect([size, res.status >= 400 && res.status < 500]).toEqual([size, true]);
    }
  });

  it('[RFC 7515 §2, RFC 4648 §3.5] non-canonical base64url: padding, standard alphabet, stray bits', async () => {
    const [h, p, s] = valid.token.split('.');
    const stray = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = s[s.length - 1];
    const tokens = [
      `${h}.${p}.${s}=`,
      `${h}=.${p}.${s}`,
      `${h}.${p}.${s.slice(0, -1)}${stray[stray.indexOf(last) + 1]}`,
      `${h}.${p.replace(/-/g, '+').replace(/_/g, '/')}.${s}+`,
      `${h}.${p}.${s.replace(/-/g, '+').replace(/_/g, '/')}/`,
      `A${h}.${p}.${s}`,
      `${h}.${p}.A${s}`,
    ];
    await refused(hs, tokens);
  });

  it('[OWASP JWT cheat sheet] whitespace and control characters inside the token', async () => {
    const [h, p, s] = valid.token.split('.');
    for (const token of [`${h}. ${p}.${s}`, `${h}.${p}.${s} x`, `${h}.${p}\t.${s}`]) {
      const res = await hs.http.get('/me').set('Authorization', `Bearer ${token}`);
      expect([token.slice(-12), res.status]).toEqual([token.slice(-12), 401]);
    }
  });

  it('[RFC 7519 §4.1.4, ASVS 5.0 V9.2.1] expired token, and exp within the clock tolerance only', async () => {
    const now = Math.floor(hs.clock.now() / 1000);
    await refused(hs, [withClaims({ iat: now - 900, exp: now - 6 })]);
    expect(await hs.meStatus(withClaims({ iat: now - 900, exp: now - 4 }))).toBe(200);
  });

  it('[RFC 7519 §4.1.5-6, ASVS 5.0 V9.2.1] nbf and iat in the future', async () => {
    const now = Math.floor(hs.clock.now() / 1000);
    await refused(hs, [
      withClaims({ nbf: now + 60 }),
      withClaims({ iat: now + 60, exp: now + 600 }),
    ]);
  });

  it('[RFC 8725 §3.10 spirit, Envoy max_lifetime] lifetime longer than configured, absurd NumericDates', async () => {
    const now = Math.floor(hs.clock.now() / 1000);
    await refused(hs, [
      withClaims({ iat: now, exp: now + 86_400 }),
      withClaims({ exp: 1e308 }),
      withClaims({ exp: '9999999999' }),
      withClaims({ exp: null }),
      withClaims({ iat: -1 }),
      withClaims({ iat: 0 }),
      withClaims({ exp: 253_402_300_800 }),
    ]);
  });

  it('[RFC 8725 §3.8-9, ASVS 5.0 V9.2.3-4] issuer and audience confusion', async () => {
    await refused(hs, [
      withClaims({ iss: 'https://evil.example.test' }),
      withClaims({ iss: undefined }),
      withClaims({ aud: 'other-api' }),
      withClaims({ aud: ['other-api'] }),
      withClaims({ aud: undefined }),
      withClaims({ aud: `${AUDIENCE} ` }),
    ]);
    expect(await hs.meStatus(withClaims({ aud: ['other-api', AUDIENCE] }))).toBe(200);
  });

  it('[RFC 8725 §3.7, RFC 7519 §7.2] claims that are not strict UTF-8 JSON', async () => {
    const json = Buffer.from(JSON.stringify({ ...valid.claims, jti: 'j_' }));
    json[json.indexOf('j_') + 1] = 0xff;
    const input = `${enc(valid.header)}.${json.toString('base64url')}`;
    const bom = `${enc(valid.header)}.${Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(valid.claims))]).toString('base64url')}`;
    await refused(hs, [`${input}.${hmac(secret, input)}`, `${bom}.${hmac(secret, bom)}`]);
  });

  it('[ASVS 5.0 V9.2.1, RFC 7519 §4.1] required claims missing or of the wrong type', async () => {
    await refused(hs, [
      withClaims({ sub: undefined }),
      withClaims({ jti: undefined }),
      withClaims({ sid: undefined }),
      withClaims({ sub: 42 }),
      withClaims({ roles: 'admin' }),
      withClaims({ uv: -1 }),
    ]);
  });

  it('[RFC 7516, RFC 7515 §7.2] JWE (five segments) and JWS JSON serialization', async () => {
    const [h, p, s] = valid.token.split('.');
    await refused(hs, [
      `${h}.${p}.${s}.${s}.${s}`,
      Buffer.from(JSON.stringify({ payload: p, protected: h, signature: s })).toString('base64url'),
    ]);
  });

  it('[RFC 6750 §2.3, OWASP] tokens in the query string are not read', async () => {
    await hs.http.get(`/me?access_token=${valid.token}`).expect(401);
  });

  it('[RFC 6750 §3.1] several Authorization headers: none of them is chosen', async () => {
    const res = await hs.http
      .get('/me')
      .set('Authorization', [`Bearer ${valid.token}`, 'Basic dXNlcjpwYXNz'] as unknown as string);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_request');
  });

  it('[ASVS 5.0 V7.4.1, RFC 7009] a token revoked at logout is refused, a forged logout does nothing', async () => {
    const { tokens } = await hs.signUp();
    const [h, p] = tokens.access_token.split('.');
    await hs.http
      .post('/auth/logout')
      .set(bearer(`${h}.${p}.`))
      .expect(401);
    expect(await hs.meStatus(tokens.access_token)).toBe(200);
    await hs.http.post('/auth/logout').set(bearer(tokens.access_token)).expect(204);
    expect(await hs.meStatus(tokens.access_token)).toBe(401);
  });
});
