import { TOKEN_INTROSPECTION_JWT_MEDIA_TYPE } from 'nestjs-jwt-revocation';

/**
 * What an introspection request's `Accept` asks for: the RFC 9701 JWT when it prefers
 * `application/token-introspection+jwt` (and one can be signed), JSON otherwise; `none` when only
 * a JWT is acceptable and none can be signed (406).
 */
export function introspectionFormat(
  accept: string | undefined,
  canSign: boolean,
): 'jwt' | 'json' | 'none' {
  if (accept === undefined || accept.trim() === '') return 'json';
  const ranges = accept.split(',').map(mediaRange);
  const jwt = quality(ranges, [TOKEN_INTROSPECTION_JWT_MEDIA_TYPE]);
  const json = quality(ranges, ['application/json', 'application/*', '*/*']);
  if (jwt > 0 && jwt >= json) return canSign ? 'jwt' : json > 0 ? 'json' : 'none';
  return 'json';
}

function mediaRange(range: string): { type: string; q: number } {
  const [type, ...params] = range.split(';').map((part) => part.trim().toLowerCase());
  const q = params.find((param) => param.startsWith('q='));
  const value = q === undefined ? 1 : Number(q.slice(2));
  return { type, q: Number.isFinite(value) ? Math.min(Math.max(value, 0), 1) : 0 };
}

function quality(ranges: { type: string; q: number }[], types: string[]): number {
  return Math.max(0, ...ranges.filter((r) => types.includes(r.type)).map((r) => r.q));
}
