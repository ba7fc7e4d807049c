import { createHmac, createSecretKey, generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { ManualClock } from '../clock';
import { JwtRevocationConfig } from '../jwt-revocation.config';
import { InvalidTokenException } from '../jwt-revocation.exceptions';
import type { JwtRevocationModuleOptions } from '../jwt-revocation.options';
import { signJws } from './jws';
import type { RingKey } from './key-ring';
import type { AccessTokenClaims } from './token.claims';
import { TokenVerifier } from './token.verifier';

const SECRET = 'a-secret-of-at-least-thirty-two-bytes!';
const NOW = 1_800_000_000_000;
const nowS = NOW / 1000;

function make(options: Partial<JwtRevocationModuleOptions> = { secret: SECRET }) {
  const config = new JwtRevocationConfig(options as JwtRevocationModuleOptions);
  const clock = new ManualClock(NOW);
  return { config, clock, verifier: new TokenVerifier(config, clock), key: config.keys.signing };
}

function claims(overrides: Record<string, unknown> = {}) {
  return {
    sub: 'u1',
    jti: 'j1',
    sid: 's1',
    roles: ['user'],
    iat: nowS,
    exp: nowS + 900,
    uv: 0,
    gv: 0,
    ...overrides,
  };
}

function token(
  key: RingKey,
  header: Record<string, unknown> = {},
  payload: object = claims(),
): string {
  return signJws(
    key,
    { alg: key.alg, typ: 'at+jwt', ...(key.kid ? { kid: key.kid } : {}), ...header },
    payload,
  );
}

function reasonOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof InvalidTokenException) return error.reason;
    throw error;
  }
  return 'accepted';
}

describe('TokenVerifier', () => {
  it('accepts a well-formed access token and returns its claims', () => {
    const { verifier, key } = make();
    expect(verifier.verifyAccessToken(token(key))).toEqual(claims());
  });

  it.each([
    ['none', { alg: 'none' }],
    ['HS512 (not configured)', { alg: 'HS512' }],
    ['RS256 with an HS key', { alg: 'RS256' }],
  ])('rejects alg %s', (_name, header) => {
    const { verifier, key } = make();
    expect(reasonOf(() => verifier.verifyAccessToken(token(key, header)))).toBe('unknown_key');
  });

  it('rejects an unsigned token (alg none, empty signature)', () => {
    const { verifier } = make();
    const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const unsigned = `${enc({ alg: 'none', typ: 'at+jwt' })}.${enc(claims())}.`;
    expect(reasonOf(() => verifier.verifyAccessToken(unsigned))).toBe('malformed');
  });

  it('rejects HS256 signed with an RSA public key (algorithm confusion)', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const { verifier } = make({
      keys: [{ kid: 'r1', algorithm: 'RS256', privateKey: rsa.privateKey }],
    });
    const pem = rsa.publicKey.export({ type: 'spki', format: 'pem' });
    const forged = signJws(
      {
        alg: 'HS256',
        verifyKey: createSecretKey(Buffer.from(pem)),
        signKey: createSecretKey(Buffer.from(pem)),
      },
      { alg: 'HS256', typ: 'at+jwt', kid: 'r1' },
      claims(),
    );
    expect(reasonOf(() => verifier.verifyAccessToken(forged))).toBe('unknown_key');
  });

  it('rejects a refresh token where an access token is expected, and the reverse', () => {
    const { verifier, key } = make();
    const refresh = token(key, { typ: 'refresh+jwt' });
    expect(reasonOf(() => verifier.verifyAccessToken(refresh))).toBe('wrong_type');
    expect(reasonOf(() => verifier.verifyRefreshToken(token(key)))).toBe('wrong_type');
    expect(verifier.verifyRefreshToken(refresh).sub).toBe('u1');
  });

  it.each([['JWT'], [undefined], ['jwt'], ['at+jwt+x']])('rejects typ %p', (typ) => {
    const { verifier, key } = make();
    expect(reasonOf(() => verifier.verifyAccessToken(token(key, { typ })))).toBe('wrong_type');
  });

  it('accepts the media-type form application/at+jwt', () => {
    const { verifier, key } = make();
    expect(verifier.verifyAccessToken(token(key, { typ: 'application/AT+JWT' })).sub).toBe('u1');
  });

  it.each(['crit', 'jku', 'jwk', 'x5u', 'x5c', 'b64'])('rejects the %s header', (name) => {
    const { verifier, key } = make();
    expect(
      reasonOf(() =>
        verifier.verifyAccessToken(token(key, { [name]: name === 'crit' ? ['exp'] : 'x' })),
      ),
    ).toBe('unsupported_header');
  });

  it.each(['sub', 'jti', 'sid', 'exp', 'iat'])('requires %s', (name) => {
    const { verifier, key } = make();
    expect(
      reasonOf(() => verifier.verifyAccessToken(token(key, {}, claims({ [name]: undefined })))),
    ).toBe('missing_claim');
  });

  it('rejects wrong claim types', () => {
    const { verifier, key } = make();
    expect(reasonOf(() => verifier.verifyAccessToken(token(key, {}, claims({ sub: 42 }))))).toBe(
      'missing_claim',
    );
    expect(
      reasonOf(() => verifier.verifyAccessToken(token(key, {}, claims({ exp: '9999999999' })))),
    ).toBe('missing_claim');
    expect(
      reasonOf(() => verifier.verifyAccessToken(token(key, {}, claims({ roles: 'admin' })))),
    ).toBe('missing_claim');
    expect(reasonOf(() => verifier.verifyAccessToken(token(key, {}, claims({ uv: -1 }))))).toBe(
      'malformed',
    );
  });

  it('applies the clock tolerance to exp, nbf and iat', () => {
    const { verifier, key, clock } = make({ secret: SECRET, clockTolerance: 5 });
    const t = token(key, {}, claims({ exp: nowS + 10 }));
    clock.set(NOW + 14_999);
    expect(verifier.verifyAccessToken(t).sub).toBe('u1');
    clock.set(NOW + 15_000);
    expect(reasonOf(() => verifier.verifyAccessToken(t))).toBe('expired');
    clock.set(NOW);
    expect(verifier.verifyAccessToken(token(key, {}, claims({ nbf: nowS + 5 }))).sub).toBe('u1');
    expect(
      reasonOf(() => verifier.verifyAccessToken(token(key, {}, claims({ nbf: nowS + 6 })))),
    ).toBe('not_yet_valid');
    expect(verifier.verifyAccessToken(token(key, {}, claims({ iat: nowS + 5 }))).sub).toBe('u1');
    expect(
      reasonOf(() => verifier.verifyAccessToken(token(key, {}, claims({ iat: nowS + 6 })))),
    ).toBe('issued_in_future');
  });

  it('checks iss and aud when configured', () => {
    const { verifier, key } = make({ secret: SECRET, issuer: 'https://issuer', audience: 'api' });
    expect(
      verifier.verifyAccessToken(token(key, {}, claims({ iss: 'https://issuer', aud: 'api' }))).sub,
    ).toBe('u1');
    expect(
      verifier.verifyAccessToken(
        token(key, {}, claims({ iss: 'https://issuer', aud: ['x', 'api'] })),
      ).sub,
    ).toBe('u1');
    expect(
      reasonOf(() =>
        verifier.verifyAccessToken(token(key, {}, claims({ iss: 'https://evil', aud: 'api' }))),
      ),
    ).toBe('wrong_issuer');
    expect(reasonOf(() => verifier.verifyAccessToken(token(key, {}, claims({ aud: 'api' }))))).toBe(
      'wrong_issuer',
    );
    expect(
      reasonOf(() =>
        verifier.verifyAccessToken(token(key, {}, claims({ iss: 'https://issuer', aud: 'other' }))),
      ),
    ).toBe('wrong_audience');
  });

  it.each([
    ['exp - iat above the access-token lifetime', { exp: nowS + 906 }, 'lifetime_exceeded'],
    ['exp: 1e308', { exp: 1e308 }, 'missing_claim'],
    ['exp after year 9999', { exp: 253_402_300_800 }, 'missing_claim'],
    ['a negative iat', { iat: -1 }, 'missing_claim'],
    ['iat: 1e-300 (far in the past: lifetime)', { iat: 1e-300 }, 'lifetime_exceeded'],
    ['nbf: 1e308', { nbf: 1e308 }, 'malformed'],
  ])('refuses %s', (_name, overrides, reason) => {
    const { verifier, key } = make({ secret: SECRET, clockTolerance: 5 });
    expect(reasonOf(() => verifier.verifyAccessToken(token(key, {}, claims(overrides))))).toBe(
      reason,
    );
  });

  it('accepts exp - iat up to the lifetime plus the tolerance, and bounds refresh tokens by theirs', () => {
    const { verifier, key } = make({ secret: SECRET, accessTokenTtl: 900, refreshTokenTtl: 3600 });
    expect(verifier.verifyAccessToken(token(key, {}, claims({ exp: nowS + 905 }))).sub).toBe('u1');
    const refresh = (exp: number) =>
      token(key, { typ: 'refresh+jwt' }, claims({ roles: undefined, exp }));
    expect(verifier.verifyRefreshToken(refresh(nowS + 3605)).sub).toBe('u1');
    expect(reasonOf(() => verifier.verifyRefreshToken(refresh(nowS + 3606)))).toBe(
      'lifetime_exceeded',
    );
    expect(
      reasonOf(() =>
        verifier.verifyAccessToken(token(key, {}, claims({ iat: nowS + 1, exp: nowS }))),
      ),
    ).toBe('lifetime_exceeded');
  });

  it('refuses segments that are not canonical base64url or not strict UTF-8', () => {
    const { verifier, key } = make();
    const [h, p, s] = token(key).split('.');
    const mac = (header: string, payload: string) =>
      createHmac('sha256', SECRET).update(`${header}.${payload}`).digest('base64url');
    const signed = (payload: string) => `${h}.${payload}.${mac(h, payload)}`;
    const raw = (bytes: Buffer) => bytes.toString('base64url');
    const json = JSON.stringify(claims());
    // An invalid UTF-8 byte inside a string claim (a lax decoder turns it into U+FFFD).
    const badUtf8 = Buffer.from(json.replace('"j1"', '"j_"'));
    badUtf8[badUtf8.indexOf('j_') + 1] = 0xff;
    expect(JSON.parse(badUtf8.toString('utf8')).jti).toBe('j\ufffd');
    const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(json)]);
    const overlong = Buffer.from(json.replace('"j1"', '"j__"'));
    overlong.set([0xc0, 0xaf], overlong.indexOf('j__') + 1);
    for (const payload of [raw(badUtf8), raw(withBom), raw(overlong)]) {
      expect(reasonOf(() => verifier.verifyAccessToken(signed(payload)))).toBe('malformed');
    }
    // Base64url that decodes to the same bytes with stray bits set in its last character.
    const last = s[s.length - 1];
    const stray = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const sibling = stray[stray.indexOf(last) + 1];
    expect(Buffer.from(s.slice(0, -1) + sibling, 'base64url')).toEqual(Buffer.from(s, 'base64url'));
    expect(
      reasonOf(() => verifier.verifyAccessToken(`${h}.${p}.${s.slice(0, -1)}${sibling}`)),
    ).toBe('bad_signature');
    expect(reasonOf(() => verifier.verifyAccessToken(`${h}.${p}.${s}=`))).toBe('malformed');
    expect(reasonOf(() => verifier.verifyAccessToken(`${h}.${p}.${s}A`))).toBe('bad_signature');
  });

  it('says only what a client can act on, unless errorDetail is verbose', () => {
    const describe = (errorDetail: 'actionable' | 'verbose', t: (k: RingKey) => string) => {
      const { verifier, key, clock } = make({ secret: SECRET, errorDetail });
      const made = t(key);
      clock.advance(3_600_000);
      try {
        verifier.verifyAccessToken(made);
      } catch (error) {
        return (error as InvalidTokenException).message;
      }
      return 'accepted';
    };
    const forged = (k: RingKey) => token(k).slice(0, -4) + 'AAAA';
    expect(describe('actionable', forged)).toBe('The access token is invalid');
    expect(describe('verbose', forged)).toBe(
      'The access token is invalid: signature verification failed',
    );
    expect(describe('actionable', (k) => token(k))).toBe('The access token has expired');
    expect(describe('actionable', (k) => token(k, { typ: 'refresh+jwt' }))).toBe(
      'The access token is invalid',
    );
    expect(describe('verbose', (k) => token(k, { typ: 'refresh+jwt' }))).toBe(
      'The access token is invalid: expected an access token',
    );
  });

  it('rejects oversized tokens before any parsing', () => {
    const { verifier, key } = make({ secret: SECRET, maxTokenLength: 1024 });
    const big = token(key, {}, claims({ pad: 'x'.repeat(2000) }));
    expect(reasonOf(() => verifier.verifyAccessToken(big))).toBe('too_large');
    expect(reasonOf(() => verifier.verifyAccessToken('a'.repeat(5_000_000)))).toBe('too_large');
  });

  it('rejects a token signed with another secret', () => {
    const { verifier } = make();
    const other = make({ secret: 'another-secret-of-thirty-two-bytes!!' });
    expect(reasonOf(() => verifier.verifyAccessToken(token(other.key)))).toBe('bad_signature');
  });

  it.each(['ES256', 'EdDSA', 'RS256'] as const)(
    'signs and verifies %s, and keeps old keys verifying during rotation',
    (alg) => {
      const gen = () =>
        alg === 'ES256'
          ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
          : alg === 'EdDSA'
            ? generateKeyPairSync('ed25519')
            : generateKeyPairSync('rsa', { modulusLength: 2048 });
      const oldPair = gen();
      const newPair = gen();
      const before = make({
        keys: [{ kid: 'old', algorithm: alg, privateKey: oldPair.privateKey }],
      });
      const oldToken = token(before.key);
      const after = make({
        signingKid: 'new',
        keys: [
          { kid: 'new', algorithm: alg, privateKey: newPair.privateKey },
          { kid: 'old', algorithm: alg, publicKey: oldPair.publicKey },
        ],
      });
      expect(after.verifier.verifyAccessToken(oldToken).sub).toBe('u1');
      expect(after.verifier.verifyAccessToken(token(after.key)).sub).toBe('u1');
      expect(
        reasonOf(() => after.verifier.verifyAccessToken(token(after.key, { kid: 'gone' }))),
      ).toBe('unknown_key');
      expect(after.config.keys.toJwks().keys.map((k) => k.kid)).toEqual(['new', 'old']);
    },
  );

  describe('properties', () => {
    it('never throws anything but InvalidTokenException, whatever the input', () => {
      const { verifier } = make();
      fc.assert(
        fc.property(
          fc.oneof(
            fc.string(),
            fc.anything(),
            fc.stringMatching(/^[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/),
          ),
          (input) => {
            expect(() => verifier.verifyAccessToken(input)).toThrow(InvalidTokenException);
          },
        ),
        { numRuns: 2000 },
      );
    });

    it('refuses or accepts structured forgeries signed with the real key, never throwing anything else', () => {
      const { verifier, key } = make({ secret: SECRET, accessTokenTtl: 900, clockTolerance: 5 });
      const numeric = fc.oneof(
        fc.integer(),
        fc.double(),
        fc.constantFrom(
          0,
          -0,
          1e308,
          -1e308,
          Number.MAX_SAFE_INTEGER,
          2 ** 53 + 1,
          1e-300,
          nowS,
          nowS + 900,
          nowS + 906,
          253_402_300_799,
          253_402_300_800,
        ),
      );
      const value = fc.oneof(numeric, fc.string(), fc.boolean(), fc.constant(null), fc.json());
      const header = fc.record(
        {
          alg: fc.constantFrom('HS256', 'none', 'RS256', 'ES256', 'HS512', 'hs256', ''),
          typ: fc.constantFrom('at+jwt', 'application/at+jwt', 'refresh+jwt', 'JWT', 'AT+JWT'),
          kid: fc.oneof(fc.string(), fc.constant(undefined)),
          crit: fc.array(fc.string(), { maxLength: 2 }),
          cty: fc.string(),
        },
        { requiredKeys: ['alg', 'typ'] },
      );
      const payload = fc.record(
        {
          sub: value,
          jti: value,
          sid: value,
          roles: fc.oneof(fc.array(fc.string()), value),
          iat: numeric,
          exp: numeric,
          nbf: numeric,
          uv: numeric,
          gv: numeric,
          iss: value,
          aud: value,
        },
        { requiredKeys: [] },
      );
      const encoding = fc.constantFrom('base64url', 'base64', 'padded', 'spaced', 'latin1');
      const encode = (text: string, how: string) => {
        const bytes = Buffer.from(text, how === 'latin1' ? 'latin1' : 'utf8');
        if (how === 'base64') return bytes.toString('base64');
        if (how === 'padded') return `${bytes.toString('base64url')}==`;
        if (how === 'spaced') return ` ${bytes.toString('base64url')}`;
        return bytes.toString('base64url');
      };
      fc.assert(
        fc.property(
          header,
          payload,
          encoding,
          fc.integer({ min: 1, max: 5 }),
          (h, p, how, segments) => {
            const input = `${encode(JSON.stringify(h), how)}.${encode(JSON.stringify(p), how)}`;
            const signature = createHmac('sha256', SECRET).update(input).digest('base64url');
            const token = [input, signature, signature, signature]
              .join('.')
              .split('.')
              .slice(0, segments)
              .join('.');
            let claims: AccessTokenClaims;
            try {
              claims = verifier.verifyAccessToken(token);
            } catch (error) {
              expect(error).toBeInstanceOf(InvalidTokenException);
              return;
            }
            // Whatever got through is well-formed and within the configured bounds.
            expect(segments).toBe(3);
            expect(h.alg).toBe(key.alg);
            expect(claims.exp * 1000 + 5000).toBeGreaterThan(NOW);
            expect(claims.exp - claims.iat).toBeLessThanOrEqual(905);
            expect(claims.exp - claims.iat).toBeGreaterThanOrEqual(0);
            expect(typeof claims.sub).toBe('string');
          },
        ),
        { numRuns: 3000 },
      );
    });

    it('rejects a valid token with any single character changed, the valid one cached', () => {
      const { verifier, key } = make();
      const valid = token(key);
      expect(verifier.verifyAccessToken(valid).sub).toBe('u1');
      expect(() => verifier.verifyAccessToken(`${valid} `)).toThrow(InvalidTokenException);
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.';
      fc.assert(
        fc.property(fc.nat(valid.length - 1), fc.constantFrom(...alphabet), (at, ch) => {
          fc.pre(valid[at] !== ch);
          const tampered = valid.slice(0, at) + ch + valid.slice(at + 1);
          // Canonical base64url only: not even the unused bits of a last character may change.
          expect(() => verifier.verifyAccessToken(tampered)).toThrow(InvalidTokenException);
        }),
        { numRuns: 3000 },
      );
    });

    it('accepts exactly the claim sets it signed', () => {
      const { verifier, key } = make();
      fc.assert(
        fc.property(
          fc.record({
            sub: fc.string({ minLength: 1, maxLength: 64 }),
            jti: fc.string({ minLength: 1, maxLength: 64 }),
            sid: fc.string({ minLength: 1, maxLength: 64 }),
            roles: fc.array(fc.string()),
          }),
          (fields) => {
            const c = claims(fields);
            expect(verifier.verifyAccessToken(token(key, {}, c))).toEqual(c);
          },
        ),
      );
    });
  });
});

describe('TokenVerifier cache of verified tokens', () => {
  const keyPair = () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;

  it('answers a repeated token from the cache, with claims frozen', () => {
    const { verifier, key } = make();
    const t = token(key);
    const first = verifier.verifyAccessToken(t);
    expect(verifier.cacheSize.entries).toBe(1);
    expect(verifier.verifyAccessToken(t)).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(() => (first.roles as string[]).push('admin')).toThrow(TypeError);
    expect(verifier.verifyAccessToken(t).roles).toEqual(['user']);
  });

  it('stores nothing for a refused token, nor for a refresh token', () => {
    const { verifier, key } = make();
    const expired = token(key, {}, claims({ iat: nowS - 1000, exp: nowS - 100 }));
    expect(reasonOf(() => verifier.verifyAccessToken(expired))).toBe('expired');
    const [h, p] = token(key).split('.');
    expect(reasonOf(() => verifier.verifyAccessToken(`${h}.${p}.AAAA`))).toBe('bad_signature');
    verifier.verifyRefreshToken(token(key, { typ: 'refresh+jwt' }));
    expect(verifier.cacheSize).toEqual({ entries: 0, bytes: 0 });
  });

  it('checks exp, nbf and iat against the clock on every hit', () => {
    const { verifier, key, clock } = make({ secret: SECRET, clockTolerance: 5 });
    const t = token(key, {}, claims({ exp: nowS + 10, nbf: nowS - 1 }));
    expect(verifier.verifyAccessToken(t).sub).toBe('u1');
    clock.set(NOW + 14_999);
    expect(verifier.verifyAccessToken(t).sub).toBe('u1');
    clock.set(NOW + 15_000);
    expect(reasonOf(() => verifier.verifyAccessToken(t))).toBe('expired');
    clock.set(NOW - 6_001);
    expect(reasonOf(() => verifier.verifyAccessToken(t))).toBe('issued_in_future');
    clock.set(NOW);
    const later = token(key, {}, claims({ jti: 'j2', nbf: nowS + 5 }));
    expect(verifier.verifyAccessToken(later).jti).toBe('j2');
    clock.set(NOW - 1);
    expect(reasonOf(() => verifier.verifyAccessToken(later))).toBe('not_yet_valid');
  });

  it('drops and refuses the tokens of a key retired from the ring', () => {
    const { verifier, config } = make({
      keys: [
        { kid: 'current', algorithm: 'ES256', privateKey: keyPair() },
        { kid: 'old', algorithm: 'ES256', privateKey: keyPair() },
      ],
      signingKid: 'current',
    });
    const sign = (kid: string, jti: string) =>
      token(config.keys.find(kid, 'ES256')!, {}, claims({ jti }));
    const current = sign('current', 'a');
    const old = [sign('old', 'b'), sign('old', 'c')];
    for (const t of [current, ...old]) verifier.verifyAccessToken(t);
    expect(verifier.cacheSize.entries).toBe(3);
    expect(config.keys.retire('old')).toBe(true);
    expect(verifier.cacheSize.entries).toBe(1);
    for (const t of old) expect(reasonOf(() => verifier.verifyAccessToken(t))).toBe('unknown_key');
    expect(verifier.verifyAccessToken(current).jti).toBe('a');
    expect(config.keys.retire('old')).toBe(false);
    expect(() => config.keys.retire('current')).toThrow(/signs new tokens/);
  });

  it('holds no more entries or bytes than configured, however many valid tokens arrive', () => {
    const { verifier, key } = make({
      secret: SECRET,
      verifiedTokenCache: { maxEntries: 50, maxBytes: 30_000 },
    });
    for (let i = 0; i < 2_000; i++) {
      verifier.verifyAccessToken(token(key, {}, claims({ jti: `j${i}`, sub: `u${i % 7}` })));
      expect(verifier.cacheSize.entries).toBeLessThanOrEqual(50);
      expect(verifier.cacheSize.bytes).toBeLessThanOrEqual(30_000);
    }
    expect(verifier.cacheSize.entries).toBeGreaterThan(10);
  });

  it('can be turned off', () => {
    const { verifier, key } = make({ secret: SECRET, verifiedTokenCache: { maxEntries: 0 } });
    const t = token(key);
    expect(verifier.verifyAccessToken(t)).not.toBe(verifier.verifyAccessToken(t));
    expect(verifier.cacheSize.entries).toBe(0);
  });

  it('refuses invalid bounds at startup', () => {
    expect(() => make({ secret: SECRET, verifiedTokenCache: { maxEntries: -1 } })).toThrow(
      /verifiedTokenCache.maxEntries/,
    );
    expect(() => make({ secret: SECRET, verifiedTokenCache: { maxBytes: 1.5 } })).toThrow(
      /verifiedTokenCache.maxBytes/,
    );
  });

  it('gives the same verdict as an uncached verifier, whatever the tokens and the clock do', () => {
    const options = { secret: SECRET, clockTolerance: 5, accessTokenTtl: 900 };
    const cached = make({ ...options, verifiedTokenCache: { maxEntries: 4 } });
    const uncached = make({ ...options, verifiedTokenCache: { maxEntries: 0 } });
    const offset = fc.integer({ min: -1200, max: 1200 });
    const pool = fc.array(
      fc.record({
        iat: offset,
        life: fc.integer({ min: -10, max: 1000 }),
        nbf: fc.option(offset, { nil: undefined }),
        tamper: fc.boolean(),
      }),
      { minLength: 1, maxLength: 8 },
    );
    const step = fc.record({ pick: fc.nat(), move: fc.integer({ min: -300, max: 300 }) });
    const outcome = (verifier: TokenVerifier, t: string) => {
      try {
        return verifier.verifyAccessToken(t);
      } catch (error) {
        return (error as InvalidTokenException).reason;
      }
    };
    fc.assert(
      fc.property(pool, fc.array(step, { minLength: 1, maxLength: 40 }), (specs, steps) => {
        const tokens = specs.map((spec, i) => {
          const iat = nowS + spec.iat;
          const c = claims({
            jti: `j${i}`,
            iat,
            exp: iat + spec.life,
            nbf: spec.nbf && nowS + spec.nbf,
          });
          const t = token(cached.key, {}, c);
          return spec.tamper ? `${t.slice(0, -2)}${t.endsWith('AA') ? 'AQ' : 'AA'}` : t;
        });
        cached.clock.set(NOW);
        uncached.clock.set(NOW);
        for (const { pick, move } of steps) {
          cached.clock.advance(move * 1000);
          uncached.clock.advance(move * 1000);
          const t = tokens[pick % tokens.length];
          expect(outcome(cached.verifier, t)).toEqual(outcome(uncached.verifier, t));
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('HMAC reference', () => {
  it('produces RFC 7515 HS256 signatures', () => {
    const { key } = make();
    const t = token(key);
    const [h, p, s] = t.split('.');
    expect(createHmac('sha256', SECRET).update(`${h}.${p}`).digest('base64url')).toBe(s);
  });
});
