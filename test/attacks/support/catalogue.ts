import { generateKeyPairSync, KeyObject } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import {
  Alg,
  ALGS,
  AUDIENCE,
  b64,
  hmac,
  ISSUER,
  Json,
  RawRequest,
  RawResponse,
  signWith,
  Target,
} from './target';

/**
 * One item of the attack catalogue: requests an attacker can make, each of which must get one of
 * `statuses` (401 by default), never a 5xx nor a stack trace. Items are data, so that the same list
 * runs in-process on both adapters (test/attacks/*.e2e-spec.ts) and against the built sample in
 * production mode (test/attacks/production.e2e-spec.ts).
 */
export interface Attack {
  /** Where the item comes from: RFC section, cheat sheet section, ASVS requirement, CVE/GHSA. */
  source: string;
  title: string;
  /** The instances it runs on (their signing algorithm); HS256 only by default. */
  algs?: Alg[];
  requests(t: Target): RawRequest[];
  statuses?: number[];
  /** Each answer must come within this many ms (resource exhaustion items). */
  maxMs?: number;
  /** Requests that must succeed: they show the forgeries differ only in what is attacked. */
  controls?(t: Target): RawRequest[];
  /** Further checks once every request is answered. */
  verify?(t: Target, responses: RawResponse[]): void;
}

/** `GET /me` with this bearer token. */
export const me = (token: string, path = '/me'): RawRequest => ({
  method: 'GET',
  path,
  headers: { Authorization: `Bearer ${token}` },
});

const valid = (t: Target) => [me(t.valid.token)];
const parts = (t: Target) => t.valid.token.split('.') as [string, string, string];

/** The public key of an asymmetric instance in every form an attacker might try as an HMAC secret. */
function publicKeyForms(t: Target): (string | Buffer)[] {
  const key = t.key.publicKey as KeyObject;
  const pem = key.export({ format: 'pem', type: 'spki' }) as string;
  const jwk = t.jwks.keys[0];
  const forms: (string | Buffer)[] = [
    pem,
    pem.trim(),
    `  ${pem}`,
    `\n${pem}`,
    pem.replace(/\n/g, '\r\n'),
    key.export({ format: 'der', type: 'spki' }),
    JSON.stringify(jwk),
    JSON.stringify(jwk, null, 2),
    JSON.stringify(t.jwks),
    JSON.stringify(key.export({ format: 'jwk' })),
  ];
  if (t.alg === 'RS256') forms.push(key.export({ format: 'pem', type: 'pkcs1' }) as string);
  return forms;
}

/** The attacker's own key pair of the instance's type. */
function attackerKey(alg: Alg): { privateKey: KeyObject | string; publicKey?: KeyObject } {
  if (alg === 'HS256') return { privateKey: 'attacker-secret-attacker-secret!' };
  if (alg === 'ES256') return generateKeyPairSync('ec', { namedCurve: 'P-256' });
  if (alg === 'EdDSA') return generateKeyPairSync('ed25519');
  return generateKeyPairSync('rsa', { modulusLength: 2048 });
}

function forgeWith(t: Target, header: Json, claims: Json, key: KeyObject | string): string {
  const input = `${b64(header)}.${b64(claims)}`;
  return `${input}.${signWith(t.alg, key, input)}`;
}

const P256_ORDER = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');
const ED25519_L = (1n << 252n) + 27742317777372353535851937790883648493n;
const be32 = (n: bigint) => Buffer.from(n.toString(16).padStart(64, '0'), 'hex');

/** RFC 8725 (JWT BCP) and the JOSE RFCs it builds on. */
export const RFC_8725: Attack[] = [
  {
    source:
      'RFC 8725 §2.1, §3.2; OWASP JWT cheat sheet "None hashing algorithm"; CVE-2015-9235 jsonwebtoken; CVE-2022-23540 jsonwebtoken',
    title: 'alg "none" in any case, with an empty or the original signature',
    algs: ALGS,
    requests: (t) =>
      ['none', 'None', 'NONE', 'nOnE', 'none ', ' none'].flatMap((alg) => {
        const input = `${b64({ ...t.valid.header, alg })}.${b64(t.valid.claims)}`;
        return [me(`${input}.`), me(`${input}.${parts(t)[2]}`), me(input)];
      }),
    controls: valid,
  },
  {
    source: 'RFC 8725 §3.1; CVE-2020-15084 express-jwt',
    title: "algorithms other than the key's own, signed with the real key",
    algs: ALGS,
    requests: (t) =>
      ['HS256', 'HS384', 'HS512', 'RS256', 'RS512', 'PS256', 'ES256', 'ES384', 'ES512', 'EdDSA']
        .filter((alg) => alg !== t.alg)
        .concat(['hs256', 'es256', 'eddsa', 'Ed25519', ''])
        .map((alg) => me(t.withHeader({ alg }))),
    controls: valid,
  },
  {
    source: 'RFC 8725 §3.1; RFC 7515 §4.1.1',
    title: 'alg missing or not a string',
    algs: ALGS,
    requests: (t) =>
      [undefined, null, 256, true, [t.alg], { name: t.alg }].map((alg) =>
        me(t.withHeader({ alg })),
      ),
  },
  {
    source: 'RFC 8725 §2.2, §3.5; OWASP JWT cheat sheet "Weak token secret"',
    title: 'HS256 forged with guessable secrets',
    requests: (t) =>
      ['', 'secret', 'your-256-bit-secret', 'changeme', 'password', 'jwt-secret', ISSUER].map(
        (secret) => {
          const input = `${b64(t.valid.header)}.${b64(t.valid.claims)}`;
          return me(`${input}.${hmac(secret, input)}`);
        },
      ),
  },
  {
    source: 'RFC 8725 §3.1; OWASP WSTG-SESS-10 (signature not verified)',
    title: 'a valid signature of another token spliced onto these claims',
    algs: ALGS,
    requests: (t) => {
      const other = t.withClaims({ jti: 'another-jti' }).split('.')[2];
      const [h] = parts(t);
      return [me(`${h}.${b64({ ...t.valid.claims, roles: ['admin'] })}.${other}`)];
    },
  },
  {
    source: 'RFC 8725 §2.7 (substitution), §3.1',
    title: "the attacker's key of the same type under the instance's kid",
    algs: ALGS,
    requests: (t) => {
      const { privateKey } = attackerKey(t.alg);
      return [me(forgeWith(t, t.valid.header, t.valid.claims, privateKey))];
    },
  },
  {
    source: 'RFC 8725 §2.8, §3.11, §3.12; ASVS 5.0 V9.2.2',
    title: 'cross-JWT confusion: the refresh token as an access token',
    algs: ALGS,
    requests: (t) => [
      me(t.refresh),
      me(t.sign({ ...decodeHeader(t.refresh), typ: t.valid.header.typ }, decodeClaims(t.refresh))),
    ],
  },
  {
    source: 'RFC 8725 §3.11; RFC 9068 §2.1',
    title: 'explicit typing: typ JWT, missing, empty or of another kind',
    algs: ALGS,
    requests: (t) =>
      [
        'JWT',
        'jwt',
        undefined,
        '',
        'refresh+jwt',
        'at+jwt+x',
        'id_token+jwt',
        'JOSE',
        'dpop+jwt',
      ].map((typ) => me(t.withHeader({ typ }))),
    controls: (t) => [me(t.withHeader({ typ: 'application/at+jwt' }))],
  },
  {
    source:
      'RFC 8725 §3.11; RFC 8417 §2.3 (secevent+jwt); OpenID Connect Back-Channel Logout §2.4 (logout+jwt)',
    title: 'security event and logout tokens signed with the real key are not access tokens',
    algs: ALGS,
    requests: (t) => [
      me(t.withHeader({ typ: 'secevent+jwt' })),
      me(
        t.sign(
          { ...t.valid.header, typ: 'logout+jwt' },
          {
            ...t.valid.claims,
            events: { 'http://schemas.openid.net/event/backchannel-logout': {} },
          },
        ),
      ),
    ],
  },
  {
    source: 'RFC 8725 §3.11; RFC 7515 §4.1.9',
    title: 'typ not a string',
    requests: (t) =>
      [['at+jwt'], 1, { typ: 'at+jwt' }, null].map((typ) => me(t.withHeader({ typ }))),
  },
  {
    source: 'RFC 8725 §3.8; RFC 7519 §4.1.1; ASVS 5.0 V9.2.3',
    title: 'issuer wrong, missing or of another type',
    algs: ALGS,
    requests: (t) =>
      [
        'https://evil.example.test',
        undefined,
        null,
        `${ISSUER}/`,
        `${ISSUER} `,
        ISSUER.toUpperCase(),
        42,
        { url: ISSUER },
        [ISSUER],
        '',
      ].map((iss) => me(t.withClaims({ iss }))),
    controls: valid,
  },
  {
    source: 'RFC 8725 §3.9; RFC 7519 §4.1.3; ASVS 5.0 V9.2.3',
    title: 'audience wrong, missing or of another type',
    algs: ALGS,
    requests: (t) =>
      [
        'other-api',
        ['other-api'],
        undefined,
        null,
        `${AUDIENCE} `,
        `${AUDIENCE}-2`,
        AUDIENCE.toUpperCase(),
        42,
        { aud: AUDIENCE },
        [],
        [[AUDIENCE]],
      ].map((aud) => me(t.withClaims({ aud }))),
    controls: (t) => [me(t.withClaims({ aud: ['other-api', AUDIENCE] }))],
  },
  {
    source: 'RFC 8725 §3.8; RFC 7519 §4.1.2',
    title: 'subject missing or not a string',
    requests: (t) =>
      [undefined, null, 42, [t.valid.claims.sub], { id: t.valid.claims.sub }, ''].map((sub) =>
        me(t.withClaims({ sub })),
      ),
  },
  {
    source: 'RFC 8725 §3.7; RFC 7519 §7.2',
    title: 'claims that are not strict UTF-8: invalid bytes, overlong encoding, BOM',
    requests: (t) => {
      const json = Buffer.from(JSON.stringify({ ...t.valid.claims, jti: 'j__' }));
      const at = json.indexOf('j__') + 1;
      const invalid = Buffer.from(json);
      invalid[at] = 0xff;
      const overlong = Buffer.concat([
        json.subarray(0, at),
        Buffer.from([0xc0, 0xaf]),
        json.subarray(at + 2),
      ]);
      const bom = Buffer.concat([
        Buffer.from([0xef, 0xbb, 0xbf]),
        Buffer.from(JSON.stringify(t.valid.claims)),
      ]);
      return [invalid, overlong, bom].map((payload) => {
        const input = `${b64(t.valid.header)}.${payload.toString('base64url')}`;
        return me(`${input}.${t.signature(input)}`);
      });
    },
  },
  {
    source: 'RFC 8725 §2.6 (multiplicity of JSON encodings); RFC 7515 §5.2; RFC 8259 §4',
    title: 'duplicate header keys cannot turn alg into none, nor a header be lenient JSON',
    requests: (t) => {
      const claims = b64(t.valid.claims);
      const h = JSON.stringify(t.valid.header).slice(1, -1);
      return [
        `{${h},"alg":"none"}`,
        `{${h},}`,
        `{${h} /* c */}`,
        `{${h.replace(/"/g, "'")}}`,
        `{${h},"x":NaN}`,
        `{${h},"x":undefined}`,
      ].flatMap((header) => {
        const input = `${b64(header)}.${claims}`;
        return [me(`${input}.${t.signature(input)}`), me(`${input}.`)];
      });
    },
  },
  {
    source: 'RFC 8725 §3.10; OWASP JWT cheat sheet; OWASP WSTG-SESS-10 (kid injection)',
    title: 'kid with path traversal, SQL and command injection, or not a string',
    algs: ALGS,
    requests: (t) =>
      [
        '../../../../../../dev/null',
        '/proc/self/environ',
        "' UNION SELECT 'key' --",
        '|cat /etc/passwd',
        'x\u0000y',
        { $ne: null },
        ['a'],
        42,
      ].flatMap((kid) => {
        const input = `${b64({ ...t.valid.header, kid })}.${b64(t.valid.claims)}`;
        return [me(t.withHeader({ kid })), me(`${input}.${hmac('', input)}`)];
      }),
  },
  {
    source: 'RFC 8725 §3.10; Unicode UAX #15 (normalization)',
    title: "kid variants that normalise or look like the instance's kid",
    algs: ['ES256', 'EdDSA', 'RS256'],
    requests: (t) => {
      const kid = String(t.valid.header.kid);
      const variants = [
        kid.normalize('NFD') === kid ? `${kid}\u0301` : kid.normalize('NFD'),
        `${kid}\u200b`,
        `\ufeff${kid}`,
        kid.replace(/a/, '\u0430').replace(/e/, '\u0435'),
        kid.toUpperCase() === kid ? kid.toLowerCase() : kid.toUpperCase(),
        [...kid]
          .map((c) => (/[A-Za-z0-9]/.test(c) ? String.fromCharCode(c.charCodeAt(0) + 0xfee0) : c))
          .join(''),
      ].filter((v) => v !== kid);
      return variants.map((variant) => me(t.withHeader({ kid: variant })));
    },
    controls: valid,
  },
  {
    source: 'RFC 8725 §3.10; ASVS 5.0 V9.1.3; OWASP WSTG-SESS-10; CVE-2018-0114 node-jose',
    title: "an embedded jwk with the attacker's key, signed by the attacker",
    algs: ALGS,
    requests: (t) => {
      const { privateKey, publicKey } = attackerKey(t.alg);
      const jwk = publicKey
        ? publicKey.export({ format: 'jwk' })
        : { kty: 'oct', k: b64(privateKey as string) };
      return [
        me(forgeWith(t, { ...t.valid.header, jwk }, t.valid.claims, privateKey)),
        me(forgeWith(t, { ...t.valid.header, jwk, kid: undefined }, t.valid.claims, privateKey)),
        me(t.withHeader({ jwk })),
      ];
    },
  },
  {
    source: 'RFC 8725 §3.10 (SSRF); ASVS 5.0 V9.1.3; OWASP WSTG-SESS-10',
    title: 'jku and x5u pointing at the attacker: refused, and never fetched',
    algs: ALGS,
    requests: (t) => {
      const { privateKey } = attackerKey(t.alg);
      const jku = t.canary.url('/jwks.json');
      const x5u = t.canary.url('/cert.pem');
      return [
        me(t.withHeader({ jku })),
        me(t.withHeader({ x5u })),
        me(forgeWith(t, { ...t.valid.header, jku }, t.valid.claims, privateKey)),
        me(forgeWith(t, { ...t.valid.header, x5u, kid: 'attacker' }, t.valid.claims, privateKey)),
        me(t.withHeader({ x5c: ['MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA'] })),
      ];
    },
    verify: (t) => expect(t.canary.hits).toEqual([]),
  },
  {
    source: 'RFC 8725 §2.8, §3.3 (nested JWT); RFC 7519 §5.2 (cty)',
    title: 'a JWT nested as payload (cty JWT), signed with the real key',
    algs: ALGS,
    requests: (t) => {
      const input = `${b64({ ...t.valid.header, cty: 'JWT' })}.${b64(t.valid.token)}`;
      return [me(`${input}.${t.signature(input)}`)];
    },
  },
  {
    source: 'RFC 8725 §2.3, §3.3; RFC 7516 (JWE where a JWS is expected)',
    title: 'JWE compact serialisations (five segments, dir / RSA-OAEP / ECDH-ES)',
    algs: ALGS,
    requests: (t) =>
      [
        { alg: 'dir', enc: 'A256GCM', typ: 'at+jwt' },
        { alg: 'RSA-OAEP-256', enc: 'A128CBC-HS256' },
        {
          alg: 'ECDH-ES',
          enc: 'A128GCM',
          epk: { kty: 'EC', crv: 'P-256', x: b64('x'), y: b64('y') },
        },
      ].map((header) =>
        me(`${b64(header)}..${b64('iv-iv-iv-iv')}.${b64(t.valid.claims)}.${b64('tag')}`),
      ),
  },
  {
    source: 'RFC 8725 §3.6 (compression); RFC 7516 §4.1.3 (zip)',
    title: 'a JWS with zip DEF and a deflated payload is never inflated',
    algs: ALGS,
    requests: (t) => {
      const input = `${b64({ ...t.valid.header, zip: 'DEF' })}.${deflateRawSync(JSON.stringify(t.valid.claims)).toString('base64url')}`;
      return [me(`${input}.${t.signature(input)}`), me(t.withHeader({ zip: 'DEF' }))];
    },
  },
  {
    source: 'RFC 7515 §4.1.11 (crit); CVE-2026-35042 fast-jwt',
    title: 'crit listing unknown, registered or no extensions',
    algs: ALGS,
    requests: (t) => [
      me(t.withHeader({ crit: ['exp'] })),
      me(t.withHeader({ crit: [] })),
      me(t.withHeader({ crit: ['x-ext'], 'x-ext': true })),
      me(t.withHeader({ crit: 'x-ext' })),
    ],
  },
  {
    source: 'RFC 7797 (unencoded payload); RFC 7515 §4.1.11',
    title: 'b64: false, with or without crit',
    algs: ALGS,
    requests: (t) => {
      const header = b64({ ...t.valid.header, b64: false, crit: ['b64'] });
      const detached = `${header}.${JSON.stringify(t.valid.claims)}`;
      return [
        me(t.withHeader({ b64: false, crit: ['b64'] })),
        me(t.withHeader({ b64: false })),
        me(`${header}..${t.signature(detached)}`),
      ];
    },
  },
  {
    source:
      'OWASP JWT cheat sheet (signature stripping); RFC 7515 §7.1, §7.2; RFC 7519 §7.2 step 1',
    title: 'signature stripped, empty segments, wrong segment counts, JWS JSON serialisation',
    requests: (t) => {
      const [h, p, s] = parts(t);
      return [
        `${h}.${p}`,
        `${h}.${p}.`,
        `${h}..`,
        `.${p}.`,
        `..${s}`,
        `${h}.${p}.${p}`,
        `${h}.${p}.${s}.`,
        `${h}.${p}.${s}.${s}`,
        `${h}.${p}.${s}.${s}.${s}.${s}`,
        `${t.valid.token}${'.'.repeat(1000)}`,
        '.'.repeat(2),
        b64({ payload: p, protected: h, signature: s }),
        JSON.stringify({ payload: p, signatures: [{ protected: h, signature: s }] }),
      ].map((token) => me(token));
    },
  },
  {
    source: 'RFC 7515 §2, §3.1; RFC 4648 §3.5 (canonical base64url)',
    title: 'padding, the standard alphabet, stray bits and extra characters',
    algs: ALGS,
    requests: (t) => {
      const [h, p, s] = parts(t);
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      const last = s[s.length - 1];
      const stray =
        s.length % 4 === 0 ? `${s}A` : `${s.slice(0, -1)}${alphabet[alphabet.indexOf(last) + 1]}`;
      return [
        `${h}.${p}.${s}=`,
        `${h}=.${p}.${s}`,
        `${h}.${p}.${stray}`,
        `${h}.${p.replace(/-/g, '+').replace(/_/g, '/')}+.${s}`,
        `${h}.${p}.${s.replace(/-/g, '+').replace(/_/g, '/')}/`,
        `A${h}.${p}.${s}`,
        `${h}.${p}.A${s}`,
        `${h}.${p}.${s}%3D`,
      ].map((token) => me(token));
    },
    controls: valid,
  },
  {
    source: 'RFC 7519 §7.2 step 10; RFC 8259',
    title: 'a header or claims set that is a JSON array, string, number or null',
    algs: ALGS,
    requests: (t) => [
      me(t.sign(t.valid.header, JSON.stringify([t.valid.claims]))),
      me(t.sign(t.valid.header, '"claims"')),
      me(t.sign(t.valid.header, '42')),
      me(t.sign(t.valid.header, 'null')),
      me(t.sign(JSON.stringify([t.valid.header]), t.valid.claims)),
      me(t.sign('null', t.valid.claims)),
    ],
  },
  {
    source: 'RFC 7519 §4.1.4, §4.1.6; ASVS 5.0 V9.2.1',
    title: 'expired: refused past the 5 s tolerance, accepted within it',
    algs: ALGS,
    requests: (t) => [me(t.withClaims({ iat: t.now - 900, exp: t.now - 6 }))],
    controls: (t) => [me(t.withClaims({ iat: t.now - 900, exp: t.now - 3 }))],
  },
  {
    source: 'RFC 7519 §4.1.5, §4.1.6; ASVS 5.0 V9.2.1',
    title: 'nbf and iat in the future',
    algs: ALGS,
    requests: (t) => [
      me(t.withClaims({ nbf: t.now + 60 })),
      me(t.withClaims({ iat: t.now + 60, exp: t.now + 600 })),
    ],
    controls: (t) => [me(t.withClaims({ nbf: t.now - 1 }))],
  },
  {
    source: 'RFC 8725 §3.10 (do not trust received claims); RFC 7519 §2 (NumericDate)',
    title: 'lifetime over the configured one, and absurd or mistyped NumericDates',
    requests: (t) =>
      [
        { iat: t.now, exp: t.now + 86_400 },
        { exp: 1e308 },
        { exp: 253_402_300_800 },
        { exp: String(t.valid.claims.exp) },
        { exp: null },
        { exp: [t.valid.claims.exp] },
        { exp: true },
        { iat: -1 },
        { iat: 0 },
        { nbf: 'yesterday' },
        { nbf: -5 },
      ]
        .map((changes) => me(t.withClaims(changes)))
        .concat(
          ['"exp":1e999', '"exp":-1e999', '"iat":1e999'].map((raw) =>
            me(t.sign(t.valid.header, `{${JSON.stringify(t.valid.claims).slice(1, -1)},${raw}}`)),
          ),
        ),
  },
  {
    source: 'RFC 7519 §4.1.7 (jti); ASVS 5.0 V9.2.1',
    title: 'jti and sid missing, empty, huge or not strings',
    requests: (t) =>
      [
        { jti: undefined },
        { jti: '' },
        { jti: 42 },
        { jti: 'j'.repeat(5000) },
        { jti: ['a'] },
        { sid: undefined },
        { sid: '' },
        { sid: { id: 1 } },
        { uv: -1 },
        { uv: 'x' },
        { roles: 'admin' },
        { roles: [1] },
      ].map((changes) => me(t.withClaims(changes))),
  },
  {
    source:
      'RFC 7518 §3.4 (ES256 signature is R‖S, 64 bytes); CVE-2026-65632 Erlang jose (signature length)',
    title: 'ES256 signatures DER-encoded, zero-padded or truncated',
    algs: ['ES256'],
    requests: (t) => {
      const [h, p, s] = parts(t);
      const raw = Buffer.from(s, 'base64url');
      const r = raw.subarray(0, 32);
      const sv = raw.subarray(32);
      const int = (x: Buffer) => (x[0] & 0x80 ? Buffer.concat([Buffer.from([0]), x]) : x);
      const ri = int(r);
      const si = int(sv);
      const der = Buffer.concat([
        Buffer.from([0x30, ri.length + si.length + 4, 0x02, ri.length]),
        ri,
        Buffer.from([0x02, si.length]),
        si,
      ]);
      const padded = Buffer.concat([Buffer.from([0]), r, Buffer.from([0]), sv]);
      return [der, padded, raw.subarray(0, 63), Buffer.concat([raw, Buffer.from([0])])].map((sig) =>
        me(`${h}.${p}.${sig.toString('base64url')}`),
      );
    },
    controls: valid,
  },
  {
    source: 'RFC 8032 §5.1.7 (S < L); RFC 8037',
    title: 'Ed25519 signature made malleable (S + L) or truncated',
    algs: ['EdDSA'],
    requests: (t) => {
      const [h, p, s] = parts(t);
      const raw = Buffer.from(s, 'base64url');
      const sLe =
        BigInt(`0x${Buffer.from(raw.subarray(32)).reverse().toString('hex')}`) + ED25519_L;
      const sBytes = Buffer.from(sLe.toString(16).padStart(64, '0'), 'hex').reverse();
      const malleable = Buffer.concat([raw.subarray(0, 32), sBytes]);
      return [malleable, raw.subarray(0, 63)].map((sig) =>
        me(`${h}.${p}.${sig.toString('base64url')}`),
      );
    },
    controls: valid,
  },
  {
    source: 'RFC 8017 §8.2.2 (RSASSA-PKCS1-v1_5 signature length k)',
    title: 'RS256 signatures with a byte added, removed or zeroed',
    algs: ['RS256'],
    requests: (t) => {
      const [h, p, s] = parts(t);
      const raw = Buffer.from(s, 'base64url');
      return [
        Buffer.concat([Buffer.from([0]), raw]),
        raw.subarray(1),
        Buffer.alloc(raw.length),
        Buffer.from([1]),
      ].map((sig) => me(`${h}.${p}.${sig.toString('base64url')}`));
    },
  },
];

function decodeHeader(token: string): Json {
  return JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString()) as Json;
}

function decodeClaims(token: string): Json {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as Json;
}

/** CVEs and advisories of Node JWT/JOSE libraries (and the library flaws they stand for). */
export const LIBRARY_CVES: Attack[] = [
  {
    source:
      'CVE-2015-9235 jsonwebtoken; CVE-2016-10555 jwt-simple; CVE-2022-23541 jsonwebtoken; CVE-2023-48223 & GHSA-mvf2-f6gm-w987 fast-jwt; CVE-2026-107724 fast-jwt; CVE-2022-29217 PyJWT; CVE-2026-85394 python-jose',
    title:
      'HS256 forged with the public key as HMAC secret (PEM, whitespace, CRLF, DER, JWK, JWKS)',
    algs: ['ES256', 'EdDSA', 'RS256'],
    requests: (t) =>
      publicKeyForms(t).flatMap((secret) =>
        [t.valid.header, { ...t.valid.header, kid: undefined }].map((header) => {
          const input = `${b64({ ...header, alg: 'HS256' })}.${b64(t.valid.claims)}`;
          return me(`${input}.${hmac(secret, input)}`);
        }),
      ),
    controls: valid,
  },
  {
    source: 'CVE-2022-21449 (Java "psychic signatures"); RFC 7518 §3.4',
    title: 'ES256 with r = s = 0, r = s = n, and in DER form',
    algs: ['ES256'],
    requests: (t) => {
      const [h, p] = parts(t);
      const n = be32(P256_ORDER);
      return [
        Buffer.alloc(64),
        Buffer.concat([n, n]),
        Buffer.from([0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00]),
      ].map((sig) => me(`${h}.${p}.${sig.toString('base64url')}`));
    },
    controls: valid,
  },
  {
    source: 'CVE-2023-25653 / GHSA-5h4j-qrvg-9xhw node-jose (ECC denial of service)',
    title: 'ES256 signatures with r, s out of range or at the edges are refused at once',
    algs: ['ES256'],
    maxMs: 2000,
    requests: (t) => {
      const [h, p] = parts(t);
      const n = P256_ORDER;
      return [
        [n - 1n, n - 1n],
        [1n, 1n],
        [n, 1n],
        [1n, n + 1n],
        [(1n << 256n) - 1n, (1n << 256n) - 1n],
      ].map(([r, s]) => me(`${h}.${p}.${Buffer.concat([be32(r), be32(s)]).toString('base64url')}`));
    },
  },
  {
    source: 'GHSA-rvj9-8cvx-3vq9 node-jose (invalid curve); RFC 8725 §3.4',
    title: 'an ECDH-ES JWE whose ephemeral key is off the curve',
    algs: ['ES256'],
    maxMs: 2000,
    requests: (t) => {
      const header = {
        alg: 'ECDH-ES',
        enc: 'A128GCM',
        kid: t.valid.header.kid,
        epk: { kty: 'EC', crv: 'P-256', x: b64(Buffer.alloc(32, 1)), y: b64(Buffer.alloc(32, 2)) },
      };
      return [
        me(
          `${b64(header)}..${b64('123456789012')}.${b64('ciphertext')}.${b64('tag-tag-tag-tag!')}`,
        ),
      ];
    },
  },
  {
    source:
      'CVE-2024-28176 / GHSA-hhhv-q57g-882q jose (JWE decompression bomb); CVE-2024-28180 go-jose',
    title: 'a JWE with zip DEF and a highly compressed payload is refused at once',
    maxMs: 2000,
    requests: (t) => {
      const bomb = deflateRawSync(Buffer.alloc(20 * 1024 * 1024, 0x41)).toString('base64url');
      const header = { alg: 'dir', enc: 'A256GCM', zip: 'DEF', typ: t.valid.header.typ };
      return [me(`${b64(header)}..${b64('123456789012')}.${bomb}.${b64('tag-tag-tag-tag!')}`)];
    },
    statuses: [401, 431],
  },
  {
    source: 'CVE-2022-36083 / GHSA-jv3g-j58f-9mq9 jose (PBES2 count)',
    title: 'a PBES2 JWE with a huge p2c is refused without deriving a key',
    maxMs: 2000,
    requests: () => {
      const header = {
        alg: 'PBES2-HS512+A256KW',
        enc: 'A256GCM',
        p2c: 2_000_000_000,
        p2s: b64('salt-salt-salt!!'),
      };
      return [
        me(
          `${b64(header)}.${b64('k'.repeat(40))}.${b64('123456789012')}.${b64('ct')}.${b64('tag-tag-tag-tag!')}`,
        ),
      ];
    },
  },
  {
    source: 'CVE-2025-30144 / GHSA-gm45-q3v2-6cf8 fast-jwt (iss array); CVE-2026-75509 joserfc',
    title: 'iss as an array holding the attacker and the real issuer, sub and jti as arrays',
    algs: ALGS,
    requests: (t) => [
      me(t.withClaims({ iss: ['https://attacker.example/', ISSUER] })),
      me(t.withClaims({ iss: [ISSUER, 'https://attacker.example/'] })),
      me(t.withClaims({ sub: [t.valid.claims.sub, 'attacker'] })),
      me(t.withClaims({ jti: [t.valid.claims.jti] })),
    ],
  },
  {
    source: 'CVE-2026-107723 / GHSA-5hjw-83fp-phq9 fast-jwt (array payload skips claim checks)',
    title: 'a validly signed array payload carrying an expired claims set',
    algs: ALGS,
    requests: (t) => [
      me(t.sign(t.valid.header, JSON.stringify([{ ...t.valid.claims, exp: t.now - 3600 }]))),
      me(t.sign(t.valid.header, JSON.stringify([]))),
    ],
  },
  {
    source: 'CVE-2022-23529 jsonwebtoken (key argument of attacker-chosen type)',
    title: 'kid and alg given as objects with toString or valueOf, never used as keys',
    algs: ALGS,
    requests: (t) => [
      me(t.withHeader({ kid: { toString: 'k', valueOf: 1 } })),
      me(t.withHeader({ kid: { __proto__: { polluted: true } } })),
      me(t.withHeader({ alg: { toString: t.alg } })),
    ],
  },
  {
    source:
      'CVE-2026-35040 / GHSA-3j8v-cgw4-2g6q fast-jwt (stateful RegExp rejects every second token)',
    title: 'one valid token is accepted on every one of twelve consecutive requests',
    algs: ALGS,
    requests: () => [],
    controls: (t) =>
      Array.from({ length: 12 }, (_, i) => me(t.valid.token, i % 2 ? '/me' : '/me/sessions')),
  },
  {
    source: 'GHSA-rp9m-7r4c-75qg fast-jwt (verification cache confusion)',
    title:
      'after a token was accepted, the same header and claims with another signature are refused',
    algs: ALGS,
    controls: valid,
    requests: (t) => {
      const [h, p, s] = parts(t);
      const other = t.withClaims({ jti: 'cache-other' }).split('.')[2];
      const flipped = Buffer.from(s, 'base64url');
      flipped[5] ^= 1;
      return [me(`${h}.${p}.${other}`), me(`${h}.${p}.${flipped.toString('base64url')}`)];
    },
  },
];

/** OWASP cheat sheets, WSTG and API Top 10 items not already named above. */
export const OWASP: Attack[] = [
  {
    source: 'OWASP JWT cheat sheet "Token information disclosure"',
    title: 'issued tokens carry no email, password or hash',
    algs: ALGS,
    requests: () => [],
    controls: valid,
    verify: (t) => {
      const text = JSON.stringify([t.valid.header, t.valid.claims, decodeClaims(t.refresh)]);
      expect(text).not.toMatch(/@example\.test|password|argon2|\$argon/);
    },
  },
  {
    source: 'OWASP WSTG-SESS-10; ASVS 5.0 V9.1.1 (tampering)',
    title: 'claims changed (roles, sub, exp), signature kept',
    algs: ALGS,
    requests: (t) => {
      const [h, , s] = parts(t);
      return [
        { roles: ['admin'] },
        { sub: '00000000-0000-4000-8000-000000000000' },
        { exp: Number(t.valid.claims.exp) + 60 },
      ].map((changes) => me(`${h}.${b64({ ...t.valid.claims, ...changes })}.${s}`));
    },
    controls: valid,
  },
  {
    source: 'OWASP Prototype Pollution Prevention cheat sheet; CWE-1321',
    title: '__proto__ and constructor in claims, signed with the real key, grant no role',
    algs: ALGS,
    requests: (t) => {
      const { roles: _roles, ...rest } = t.valid.claims;
      const pollute = (claims: Json) =>
        `{${JSON.stringify(claims).slice(1, -1)},"__proto__":{"roles":["admin"]}}`;
      return [
        me(t.sign(t.valid.header, pollute(rest)), '/admin/users'),
        me(t.sign(t.valid.header, pollute(t.valid.claims)), '/admin/users'),
        me(t.withClaims({ constructor: { prototype: { roles: ['admin'] } } }), '/admin/users'),
      ];
    },
    controls: (t) => [
      me(
        t.sign(
          t.valid.header,
          `{${JSON.stringify(t.valid.claims).slice(1, -1)},"__proto__":{"roles":["admin"]}}`,
        ),
      ),
    ],
    statuses: [401, 403],
  },
  {
    source: 'OWASP API3:2023 (mass assignment); OWASP Mass Assignment cheat sheet',
    title: 'registering with roles, status or an id of ones choosing is refused',
    requests: () =>
      [
        { roles: ['admin'] },
        { status: 'active', securityVersion: -1 },
        { id: '00000000-0000-4000-8000-000000000000' },
      ].map((extra) => ({
        method: 'POST',
        path: '/auth/register',
        body: {
          email: `mass-${Math.random().toString(36).slice(2)}@example.test`,
          password: 'password-123',
          ...extra,
        },
      })),
    statuses: [400],
  },
  {
    source: 'OWASP Prototype Pollution Prevention cheat sheet (request bodies)',
    title: '__proto__ and constructor.prototype in JSON bodies',
    requests: () =>
      ['{"__proto__":{"isAdmin":true}', '{"constructor":{"prototype":{"isAdmin":true}}'].flatMap(
        (polluted) => {
          const email = `proto-${Math.random().toString(36).slice(2)}@example.test`;
          const body = `${polluted},"email":"${email}","password":"password-123"}`;
          return ['/auth/register', '/auth/login', '/auth/refresh'].map((path) => ({
            method: 'POST' as const,
            path,
            headers: { 'Content-Type': 'application/json' },
            body,
          }));
        },
      ),
    // Extra keys named like Object.prototype members are dropped rather than refused by the
    // validation pipe: what matters is that nothing is polluted.
    statuses: [200, 201, 400, 401],
    verify: (_t, responses) => {
      expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
      for (const res of responses.filter((r) => r.status === 200)) {
        const { access_token } = JSON.parse(res.text) as { access_token: string };
        expect(decodeClaims(access_token).roles).toEqual(['user']);
      }
    },
  },
  {
    source: 'OWASP API4:2023 (unrestricted resource consumption); CWE-674',
    title: 'deeply nested JSON bodies answer 400, large ones 413',
    requests: () => {
      const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
      const wide = JSON.stringify({ email: 'a@example.test', password: 'x'.repeat(200_000) });
      return ['/auth/login', '/auth/register', '/auth/refresh'].flatMap((path) => [
        {
          method: 'POST' as const,
          path,
          headers: { 'Content-Type': 'application/json' },
          body: `{"email":${deep}}`,
        },
        {
          method: 'POST' as const,
          path,
          headers: { 'Content-Type': 'application/json' },
          body: wide,
        },
      ]);
    },
    statuses: [400, 413],
  },
  {
    source: 'OWASP WSTG-CONF-06 (HTTP methods); RFC 9110 §9.3.8 (TRACE)',
    title: 'TRACE, OPTIONS and unsupported methods do not echo credentials',
    requests: (t) =>
      (['TRACE', 'OPTIONS', 'PATCH', 'PUT', 'DELETE'] as const).map((method) => ({
        method,
        path: '/me',
        headers: { Authorization: `Bearer ${t.valid.token}` },
      })),
    statuses: [401, 404, 405],
    verify: (t, responses) => {
      for (const res of responses) expect(res.text).not.toContain(t.valid.token.slice(-20));
    },
  },
];

/** RFC 6750, RFC 6749 and HTTP-level items (both adapters). */
export const HTTP: Attack[] = [
  {
    source: 'RFC 6750 §3.1',
    title: 'no credentials: 401 with a bare Bearer challenge',
    requests: () => [{ method: 'GET', path: '/me' }],
    verify: (_t, [res]) => expect(res.headers['www-authenticate']).toMatch(/^Bearer/),
  },
  {
    source: 'RFC 6750 §3.1 (invalid_request)',
    title: '"Bearer" without a token, or with an empty one',
    requests: () =>
      ['Bearer', 'Bearer ', 'Bearer  '].map((value) => ({
        method: 'GET' as const,
        path: '/me',
        headers: { Authorization: value },
      })),
    statuses: [400, 401],
  },
  {
    source: 'RFC 6750 §2.1; RFC 9110 §11.1',
    title: 'other schemes and mangled Bearer syntax',
    requests: (t) =>
      [
        `Basic ${b64('user:pass')}`,
        `Token ${t.valid.token}`,
        `JWT ${t.valid.token}`,
        `Bearer: ${t.valid.token}`,
        `Bearer${t.valid.token}`,
        `Bearer ${t.valid.token} extra`,
        `Bearer "${t.valid.token}"`,
        `${t.valid.token}`,
      ].map((value) => ({
        method: 'GET' as const,
        path: '/me',
        headers: { Authorization: value },
      })),
    statuses: [400, 401],
  },
  {
    source: 'RFC 6750 §2.2, §2.3, §5.3; OWASP REST Security cheat sheet (tokens in URLs)',
    title: 'tokens in the query string, a form body or a cookie are not read',
    requests: (t): RawRequest[] => [
      { method: 'GET', path: `/me?access_token=${t.valid.token}` },
      {
        method: 'POST',
        path: '/auth/logout',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: `access_token=${t.valid.token}`,
      },
      {
        method: 'GET',
        path: '/me',
        headers: {
          Cookie: `access_token=${t.valid.token}; token=${t.valid.token}; jwt=${t.valid.token}`,
        },
      },
    ],
  },
  {
    source: 'RFC 6750 §3.1; RFC 9110 §5.3 (one Authorization field)',
    title: 'several Authorization headers, or two credentials in one',
    requests: (t) => [
      {
        method: 'GET',
        path: '/me',
        headers: { Authorization: [`Bearer ${t.valid.token}`, 'Basic dXNlcjpwYXNz'] },
      },
      {
        method: 'GET',
        path: '/me',
        headers: { Authorization: [`Bearer ${t.valid.token}`, `Bearer ${t.valid.token}`] },
      },
      {
        method: 'GET',
        path: '/me',
        headers: { Authorization: `Bearer ${t.valid.token}, Bearer ${t.valid.token}` },
      },
    ],
    statuses: [400, 401],
  },
  {
    source: 'RFC 8725 §3.1 (size); RFC 6585 §5 (431); OWASP API4:2023',
    title: 'huge tokens and headers: 4xx, never 5xx',
    requests: (t) => [
      me(t.withClaims({ pad: 'x'.repeat(9000) })),
      me('a'.repeat(9000)),
      me('y'.repeat(20_000)),
      me('z'.repeat(100_000)),
      {
        method: 'GET',
        path: '/me',
        headers: Object.fromEntries(
          Array.from({ length: 200 }, (_, i) => [`x-h${i}`, 'v'.repeat(200)]),
        ),
      },
    ],
    // A server may close the connection right after its 431, before a 100 kB header is sent (0).
    statuses: [0, 400, 401, 413, 431],
  },
  {
    source: 'OWASP JWT cheat sheet; RFC 7515 §7.1',
    title: 'whitespace inside or around the token (control characters: see the raw requests)',
    requests: (t) => {
      const [h, p, s] = parts(t);
      return [`${h}. ${p}.${s}`, `${h}.${p}.${s} x`, `${h}.${p}\t.${s}`].map((token) => me(token));
    },
    statuses: [400, 401],
  },
  {
    source: 'RFC 6749 §5.1 (Cache-Control: no-store); OWASP REST Security cheat sheet',
    title: 'token responses and refresh errors are not cacheable',
    requests: (t) => [
      { method: 'POST', path: '/auth/refresh', body: { refresh_token: 'not-a-token' } },
      { method: 'POST', path: '/auth/refresh', body: { refresh_token: t.valid.token } },
    ],
    statuses: [400],
    verify: (_t, responses) => {
      for (const res of responses) {
        expect(res.headers['cache-control']).toBe('no-store');
        expect(JSON.parse(res.text).error).toBe('invalid_grant');
      }
    },
  },
  {
    source: 'RFC 6749 §5.2 (invalid_grant); RFC 8725 §2.8',
    title: 'an access token, a forged or an expired token offered as refresh token',
    algs: ALGS,
    requests: (t) => {
      const refreshClaims = decodeClaims(t.refresh);
      const refreshHeader = decodeHeader(t.refresh);
      return [
        t.valid.token,
        t.sign(refreshHeader, { ...refreshClaims, exp: t.now - 60 }),
        t.sign({ ...refreshHeader, alg: 'none' }, refreshClaims).replace(/\.[^.]*$/, '.'),
        `${t.refresh.split('.').slice(0, 2).join('.')}.${parts(t)[2]}`,
      ].map((token) => ({
        method: 'POST' as const,
        path: '/auth/refresh',
        body: { refresh_token: token },
      }));
    },
    statuses: [400],
  },
  {
    source: 'ASVS 4.0.3 V14.5.3 (strict CORS allow list); OWASP HTML5 Security cheat sheet (CORS)',
    title: 'a foreign Origin gets no CORS grant, preflight included',
    requests: (t): RawRequest[] => [
      {
        method: 'GET',
        path: '/me',
        headers: { Origin: 'https://evil.example', Authorization: `Bearer ${t.valid.token}` },
      },
      {
        method: 'OPTIONS',
        path: '/auth/login',
        headers: {
          Origin: 'https://evil.example',
          'Access-Control-Request-Method': 'POST',
          'Access-Control-Request-Headers': 'authorization,content-type',
        },
      },
    ],
    statuses: [200, 204, 404],
    verify: (_t, responses) => {
      for (const res of responses) {
        expect(res.headers['access-control-allow-origin']).toBeUndefined();
        expect(res.headers['access-control-allow-credentials']).toBeUndefined();
      }
    },
  },
  {
    source: 'ASVS 5.0 V3.4.4 (X-Content-Type-Options); OWASP HTTP Headers cheat sheet',
    title: 'responses carry nosniff, no X-Powered-By, and JSON errors without internals',
    requests: () => [
      { method: 'GET', path: '/me' },
      { method: 'GET', path: '/no-such-route' },
      {
        method: 'POST',
        path: '/auth/login',
        headers: { 'Content-Type': 'application/json' },
        body: '{"email":',
      },
    ],
    statuses: [400, 401, 404],
    verify: (_t, responses) => {
      for (const res of responses) {
        expect(res.headers['x-content-type-options']).toBe('nosniff');
        expect(res.headers['x-powered-by']).toBeUndefined();
        expect(String(res.headers['content-type'])).toMatch(/^application\/json/);
        expect(res.text).not.toMatch(/"stack"|node_modules|\.ts:\d|at \w+ \(/);
      }
    },
  },
  {
    source: 'RFC 9110 §15.5.16 (415); OWASP REST Security cheat sheet (content types)',
    title: 'credentials in XML, text or multipart bodies are refused',
    requests: () =>
      [
        ['application/xml', '<login><email>a@example.test</email><password>p</password></login>'],
        ['text/plain', '{"email":"a@example.test","password":"password-123"}'],
        [
          'multipart/form-data; boundary=x',
          '--x\r\nContent-Disposition: form-data; name="email"\r\n\r\na\r\n--x--',
        ],
      ].map(([type, body]) => ({
        method: 'POST' as const,
        path: '/auth/login',
        headers: { 'Content-Type': type },
        body,
      })),
    statuses: [400, 401, 415],
  },
  {
    source: 'OWASP WSTG-ATHZ-01 (path traversal); RFC 3986 §5.2.4',
    title: 'encoded dot segments and doubled slashes do not reach protected routes',
    requests: () =>
      [
        '/me/..%2f..%2fadmin/users',
        '/%2e%2e/admin/users',
        '/admin%2fusers',
        '//admin/users',
        '/me%00',
        '/ME',
      ].map((path) => ({
        method: 'GET' as const,
        path,
      })),
    statuses: [400, 401, 404],
  },
];

/** ASVS 5.0 V9 items beyond the RFC ones above. */
export const ASVS_V9: Attack[] = [
  {
    source: 'ASVS 5.0 V9.2.4 (audience restriction); RFC 9068 §2.2',
    title: 'issued access and refresh tokens name the issuer and the audience',
    algs: ALGS,
    requests: () => [],
    controls: valid,
    verify: (t) => {
      expect(t.valid.claims).toMatchObject({ iss: ISSUER, aud: AUDIENCE });
      expect(t.valid.header).toMatchObject({ alg: t.alg, typ: 'at+jwt' });
      expect(decodeHeader(t.refresh).typ).not.toBe(t.valid.header.typ);
    },
  },
  {
    source: 'ASVS 5.0 V9.1.2 (allowlist bound to each key)',
    title: "the instance's own algorithm with another instance's key of the same type",
    algs: ['ES256', 'EdDSA', 'RS256'],
    requests: (t) => {
      const other = attackerKey(t.alg);
      const header = { ...t.valid.header, kid: undefined };
      return [me(forgeWith(t, header, t.valid.claims, other.privateKey))];
    },
  },
  {
    source: 'ASVS 5.0 V9.1.1; RFC 8725 §3.1',
    title: 'signature over a different signing input (header or payload re-encoded)',
    algs: ALGS,
    requests: (t) => {
      const [h, p, s] = parts(t);
      const reencodedHeader = b64(JSON.stringify(t.valid.header, null, 1));
      const reencodedClaims = b64(JSON.stringify(t.valid.claims, null, 1));
      return [me(`${reencodedHeader}.${p}.${s}`), me(`${h}.${reencodedClaims}.${s}`)];
    },
  },
];

/** Every data-driven item, for the production-mode run. */
export const CATALOGUE: { group: string; attacks: Attack[] }[] = [
  { group: 'RFC 8725 and JOSE RFCs', attacks: RFC_8725 },
  { group: 'library CVEs', attacks: LIBRARY_CVES },
  { group: 'OWASP', attacks: OWASP },
  { group: 'HTTP', attacks: HTTP },
  { group: 'ASVS V9', attacks: ASVS_V9 },
];

/** Runs one item against a target: statuses, no 5xx, no stack trace, time bound, controls. */
export async function runAttack(attack: Attack, t: Target): Promise<void> {
  const requests = attack.requests(t);
  const allowed = attack.statuses ?? [401];
  const responses: RawResponse[] = [];
  for (const [i, req] of requests.entries()) {
    const res = await t.send(req);
    responses.push(res);
    const what = `#${i} ${req.method} ${req.path.slice(0, 60)} ${JSON.stringify(req.headers ?? {}).slice(0, 120)}`;
    expect({ what, status: res.status, allowed: allowed.includes(res.status) }).toEqual({
      what,
      status: res.status,
      allowed: true,
    });
    expect(res.text).not.toMatch(/"stack"|node_modules|\.ts:\d+|\n\s+at /);
    if (attack.maxMs !== undefined)
      expect({ what, ms: res.ms < attack.maxMs }).toEqual({ what, ms: true });
  }
  for (const [i, req] of (attack.controls?.(t) ?? []).entries()) {
    const res = await t.send(req);
    expect({ control: i, status: res.status }).toEqual({ control: i, status: 200 });
  }
  attack.verify?.(t, responses);
}
