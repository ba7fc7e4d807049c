import fc from 'fast-check';
import {
  InvalidRequestException,
  InvalidTokenException,
  MissingTokenException,
} from '../jwt-revocation.exceptions';
import { extractBearerToken } from './bearer-token';

/** The header grammar without the fast path for plain `Bearer <token>` values. */
function reference(header: string): string {
  const match = /^(\S+)(?: +(.*))?$/.exec(header);
  if (!match || match[1].toLowerCase() !== 'bearer') return 'missing';
  const token = match[2]?.trim();
  if (!token) return 'invalid_request';
  if (/\s/.test(token)) return 'malformed';
  return token;
}

function outcome(header: string): string {
  try {
    return extractBearerToken(header);
  } catch (error) {
    if (error instanceof MissingTokenException) return 'missing';
    if (error instanceof InvalidRequestException) return 'invalid_request';
    if (error instanceof InvalidTokenException) return error.reason;
    throw error;
  }
}

describe('extractBearerToken', () => {
  it('reads the token of a plain Bearer header', () => {
    expect(extractBearerToken('Bearer a.b.c')).toBe('a.b.c');
    expect(extractBearerToken('bEARER abc==')).toBe('abc==');
  });

  it('parses every header value as the RFC 6750 grammar does', () => {
    const char = fc.constantFrom(...'Bearerbearer BEARER.a-_~+/=\t\n\r\u00a0\u2028 xé,'.split(''));
    const header = fc.oneof(
      fc.string({ unit: char, minLength: 1, maxLength: 20 }),
      fc
        .tuple(
          fc.constantFrom('Bearer', 'bearer', 'BEARER', 'Basic', 'Bearer\t'),
          fc.string({ unit: char, maxLength: 12 }),
        )
        .map(([scheme, rest]) => `${scheme} ${rest}`),
    );
    fc.assert(
      fc.property(header, (h) => {
        expect(outcome(h)).toBe(reference(h));
      }),
      { numRuns: 5000 },
    );
  });
});
