import type { AuthorizeOptions } from './decorators/authorize.metadata';
import type { JwtRevocationConfig } from './jwt-revocation.config';
import { ClientNotAllowedException, InvalidTokenException } from './jwt-revocation.exceptions';
import type { CacheTrust } from './revocation/revocation.service';
import type { AccessTokenClaims } from './tokens/token.claims';

/** What the guard enforces on one route, normalised once from its metadata. Internal. */
export interface RoutePolicy {
  readonly isPublic: boolean;
  readonly roles: string[] | undefined;
  /** `undefined`: the module's failure mode and staleness. */
  readonly trust: CacheTrust | undefined;
  /** Whether the route names clients or audiences (checked by `admitClient`). */
  readonly restricted: boolean;
  readonly strong: boolean;
  readonly clients: ReadonlySet<string> | undefined;
  readonly audiences: readonly string[] | undefined;
}

/** The metadata of a route, as read from its handler and class. */
export interface RouteMetadata {
  isPublic: boolean;
  roles: unknown;
  options: AuthorizeOptions | undefined;
}

const KNOWN_OPTIONS = new Set<string>([
  'roles',
  'consistency',
  'failureMode',
  'maxStaleness',
  'clients',
  'audience',
]);

/**
 * Checks a route's `@Authorize` options against each other and the module's configuration, and
 * builds its policy. Throws an `Error` naming the route (`where`) for anything contradictory.
 */
export function routePolicy(
  metadata: RouteMetadata,
  config: Pick<JwtRevocationConfig, 'failureMode' | 'maxStalenessMs' | 'pollIntervalMs'> &
    Partial<Pick<JwtRevocationConfig, 'clients'>>,
  where: string,
): RoutePolicy {
  const fail = (problem: string) => new Error(`jwt-revocation: @Authorize on ${where}: ${problem}`);
  const roles = stringList(metadata.roles, 'roles', fail, true);
  const options = metadata.options ?? {};
  if (typeof options !== 'object' || options === null) throw fail('options must be an object.');
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) {
      throw fail(`unknown option "${key}" (known: ${[...KNOWN_OPTIONS].join(', ')}).`);
    }
  }
  const strong = oneOf(options.consistency, 'consistency', ['cached', 'strong'], fail) === 'strong';
  const failureMode = oneOf(options.failureMode, 'failureMode', ['closed', 'open'], fail);
  if (strong && failureMode === 'open') {
    throw fail(
      'consistency "strong" confirms every verdict with the store and fails closed; ' +
        'failureMode "open" contradicts it (use consistency "cached" to fail open).',
    );
  }
  if (strong && options.maxStaleness !== undefined) {
    throw fail(
      'consistency "strong" never relies on the cached verdict, so maxStaleness has no meaning.',
    );
  }
  const maxStalenessMs = staleness(options.maxStaleness, config, fail);
  const clients = stringList(options.clients, 'clients', fail, false);
  const registry = config.clients?.configured ? config.clients : undefined;
  const unregistered = registry && clients?.find((id) => !registry.find(id));
  if (registry && unregistered !== undefined) {
    const known = registry.all().map((client) => client.clientId);
    throw fail(
      `client "${unregistered}" is not one of the module's clients (${known.join(', ')}).`,
    );
  }
  const audiences = stringList(
    typeof options.audience === 'string' ? [options.audience] : options.audience,
    'audience',
    fail,
    false,
  );
  const trust =
    failureMode !== undefined || maxStalenessMs !== undefined
      ? {
          failureMode: failureMode ?? config.failureMode,
          maxStalenessMs: maxStalenessMs ?? config.maxStalenessMs,
        }
      : undefined;
  return {
    isPublic: metadata.isPublic,
    roles: roles && roles.length > 0 ? roles : undefined,
    trust,
    restricted: clients !== undefined || audiences !== undefined,
    strong,
    clients: clients && new Set(clients),
    audiences,
  };
}

/**
 * Refuses a token issued for another audience (401 `invalid_token`, `wrong_audience`) or to a
 * client the route does not name, or to none (403 `insufficient_scope`, `client_not_allowed`).
 */
export function admitClient(claims: AccessTokenClaims, policy: RoutePolicy): void {
  if (policy.audiences && !policy.audiences.some((audience) => hasAudience(claims.aud, audience))) {
    throw new InvalidTokenException(
      'wrong_audience',
      'The access token was not issued for this resource',
    );
  }
  if (policy.clients) {
    const clientId = claims.client_id;
    if (typeof clientId !== 'string' || !policy.clients.has(clientId)) {
      throw new ClientNotAllowedException();
    }
  }
}

function hasAudience(aud: unknown, audience: string): boolean {
  return aud === audience || (Array.isArray(aud) && aud.includes(audience));
}

type Fail = (problem: string) => Error;

function stringList(
  value: unknown,
  name: string,
  fail: Fail,
  mayBeEmpty: boolean,
): string[] | undefined {
  if (value === undefined) return undefined;
  const valid =
    Array.isArray(value) &&
    (mayBeEmpty || value.length > 0) &&
    value.every((item) => typeof item === 'string' && item.length > 0);
  if (!valid) {
    throw fail(
      `${name} must be ${mayBeEmpty ? 'a list' : 'a non-empty list'} of non-empty strings.`,
    );
  }
  return [...(value as string[])];
}

function oneOf<T extends string>(
  value: unknown,
  name: string,
  allowed: T[],
  fail: Fail,
): T | undefined {
  if (value === undefined) return undefined;
  if (!allowed.includes(value as T)) throw fail(`${name} must be one of ${allowed.join(', ')}.`);
  return value as T;
}

function staleness(
  value: unknown,
  config: Pick<JwtRevocationConfig, 'pollIntervalMs'>,
  fail: Fail,
): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw fail('maxStaleness must be a number of seconds >= 0.');
  }
  const ms = Math.round(value * 1000);
  if (ms > 0 && config.pollIntervalMs === 0) {
    throw fail('maxStaleness needs polling, but the module sets pollInterval to 0.');
  }
  if (ms > 0 && ms <= config.pollIntervalMs) {
    throw fail(
      `maxStaleness (${value} s) must be longer than the module's pollInterval ` +
        `(${config.pollIntervalMs / 1000} s), or every poll would leave the route refusing.`,
    );
  }
  return ms;
}
