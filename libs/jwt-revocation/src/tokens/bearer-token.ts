import {
  InvalidRequestException,
  InvalidTokenException,
  MissingTokenException,
} from '../jwt-revocation.exceptions';

const AUTHORIZATION = /^(\S+)(?: +(.*))?$/;
const WHITESPACE = /\s/;

/**
 * The RFC 6750 bearer token of an `Authorization` header value. Throws `MissingTokenException` when
 * there is no bearer credential, `InvalidRequestException` when the header is not one value or the
 * `Bearer` scheme carries no token (§3.1 `invalid_request`), and `InvalidTokenException` when the
 * token is malformed.
 */
export function extractBearerToken(header: unknown): string {
  if (header === undefined || header === '') throw new MissingTokenException();
  if (typeof header !== 'string') {
    throw new InvalidRequestException('More than one Authorization header');
  }
  const plain = plainBearerToken(header);
  if (plain !== undefined) return plain;
  const match = AUTHORIZATION.exec(header);
  if (!match || match[1].toLowerCase() !== 'bearer') throw new MissingTokenException();
  const token = match[2]?.trim();
  if (!token) throw new InvalidRequestException('The Bearer scheme needs a token');
  if (/\s/.test(token)) throw new InvalidTokenException('malformed', 'Malformed bearer token');
  return token;
}

/**
 * The token of `Bearer <token>` with one space and no whitespace in the token, the form nearly
 * every request has, read without the full grammar (whose result it is): a scan cheaper than a regex
 * over a few hundred characters, on every request.
 */
function plainBearerToken(header: string): string | undefined {
  if (header.length < 8 || header.charCodeAt(6) !== 32) return undefined;
  const scheme = header.slice(0, 6);
  if (scheme !== 'Bearer' && scheme.toLowerCase() !== 'bearer') return undefined;
  const token = header.slice(7);
  return WHITESPACE.test(token) ? undefined : token;
}

/**
 * The bearer token of a request (Express, Fastify or bare Node). A request with more than one
 * `Authorization` header is refused: Node keeps only the first, so a proxy or a client that adds a
 * second one must not have either of them silently chosen.
 */
export function extractRequestBearerToken(request: {
  headers: Record<string, unknown>;
  rawHeaders?: unknown;
  raw?: unknown;
}): string {
  const header = request.headers.authorization;
  if (header !== undefined && authorizationHeaderCount(request) > 1) {
    throw new InvalidRequestException('More than one Authorization header');
  }
  return extractBearerToken(header);
}

/** `Authorization` lines in the request as received (`rawHeaders` of Node; `raw` under Fastify). */
function authorizationHeaderCount(request: { rawHeaders?: unknown; raw?: unknown }): number {
  const raw =
    request.rawHeaders ?? (request.raw as { rawHeaders?: unknown } | undefined)?.rawHeaders;
  if (!Array.isArray(raw)) return 1;
  let count = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (name.length === 13 && name.toLowerCase() === 'authorization') count++;
  }
  return count;
}
