import { generateKeyPairSync } from 'node:crypto';
import { JwtRevocationConfig } from '../jwt-revocation.config';
import { SignalsConfig } from './signals.config';
import type { JwtSignalsModuleOptions } from './signals.options';

const SECRET = 'test-secret-that-is-long-enough-32b';
const resolver = { resolveUser: async () => null };
const idp = { issuer: 'https://idp', jwksUri: 'https://idp/jwks', audience: 'api' };
const receiver = { name: 'siem', endpoint: 'https://siem/push', audience: 'siem' };
const hs256 = new JwtRevocationConfig({ secret: SECRET, issuer: 'https://api' });
const es256 = () => {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { kid: 'k1', algorithm: 'ES256' as const, privateKey };
};

const config = (options: Partial<JwtSignalsModuleOptions>, core = hs256) =>
  new SignalsConfig({ resolver, ...options }, core);

describe('SignalsConfig', () => {
  it('applies the defaults', () => {
    const c = config({ backChannelLogout: [idp] });
    expect(c.logoutMaxAgeMs).toBe(300_000);
    expect(c.setMaxAgeMs).toBe(86_400_000);
    expect(c.clockToleranceMs).toBe(30_000);
    expect(c.backChannelLogout.get('https://idp')).toEqual(
      expect.objectContaining({
        audience: ['api'],
        algorithms: ['RS256', 'PS256', 'ES256', 'EdDSA'],
      }),
    );
    expect(c.transmitter).toBeNull();
  });

  it.each<[string, Partial<JwtSignalsModuleOptions>, RegExp]>([
    ['no resolver', { resolver: undefined as never }, /resolver/],
    ['an HMAC algorithm', { ssf: [{ ...idp, algorithms: ['HS256'] }] }, /asymmetric/],
    ['alg none', { ssf: [{ ...idp, algorithms: ['none'] }] }, /asymmetric/],
    ['a duplicate issuer', { ssf: [idp, idp] }, /twice/],
    ['a bad JWKS URL', { ssf: [{ ...idp, jwksUri: 'not a url' }] }, /jwksUri/],
    ['no audience', { ssf: [{ ...idp, audience: [] }] }, /audience/],
    ['an HS256-only transmitter', { transmitter: { receivers: [receiver] } }, /signingKey/],
    [
      'duplicate receivers',
      { transmitter: { receivers: [receiver, receiver], signingKey: es256() } },
      /unique/,
    ],
    [
      'a negative retry delay',
      { transmitter: { receivers: [receiver], signingKey: es256(), retryDelay: -1 } },
      /retryDelay/,
    ],
  ])('refuses %s', (_what, options, message) => {
    expect(() => config(options)).toThrow(message);
  });

  it('signs SETs with the module key when it is asymmetric, and publishes a dedicated key', () => {
    const core = new JwtRevocationConfig({ keys: [es256()], issuer: 'https://api' });
    const own = config({ transmitter: { receivers: [receiver] } }, core).transmitter!;
    expect(own).toEqual(expect.objectContaining({ issuer: 'https://api', extraJwks: [] }));
    expect(own.key.kid).toBe('k1');
    const dedicated = config({
      transmitter: { receivers: [receiver], signingKey: es256(), issuer: 'https://x' },
    }).transmitter!;
    expect(dedicated.issuer).toBe('https://x');
    expect(dedicated.extraJwks).toEqual([
      expect.objectContaining({ kid: 'k1', alg: 'ES256', use: 'sig' }),
    ]);
    expect(dedicated.extraJwks[0]).not.toHaveProperty('d');
  });
});
