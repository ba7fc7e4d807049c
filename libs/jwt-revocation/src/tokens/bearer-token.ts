import { InvalidTokenException, MissingTokenException } from '../jwt-revocation.exceptions';

const AUTHORIZATION = /^(\S+)(?: +(.*))?$/;

/**
 * The RFC 6750 bearer token of an `Authorization` header value. Throws `MissingTokenException` when
 * there is no bearer credential and `InvalidTokenException` when it is malformed.
 */
export function extractBearerToken(header: unknown): string {
  if (header === undefined || header === '') throw new MissingTokenException();
  if (typeof header !== 'string') {
    throw new InvalidTokenException('malformed', 'Malformed Authorization header');
  }
  const match = AUTHORIZATION.exec(header);
  if (!match || match[1].toLowerCase() !== 'bearer') throw new MissingTokenException();
  const token = match[2]?.trim();
  if (!token) throw new InvalidTokenException('malformed', 'Malformed Authorization header');
  return token;
}
