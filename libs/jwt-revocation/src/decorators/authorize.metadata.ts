import { Reflector } from '@nestjs/core';
import type { FailureMode } from '../jwt-revocation.options';

/** `cached`: the in-memory verdict (default). `strong`: confirmed against the store per request. */
export type Consistency = 'cached' | 'strong';

/** What `@Authorize({ ... })` requires of a route, beyond a valid, unrevoked access token. */
export interface AuthorizeOptions {
  /** Roles of which the caller needs any one. Default: none (any authenticated user). */
  roles?: string[];
  /**
   * `cached` (default): the in-memory verdict, current within the propagation bound.
   * `strong`: before the handler runs, the store's change log is read (read-your-writes across
   * instances, no propagation window); when the store does not answer, 503 + `Retry-After`
   * whatever the failure mode. Costs one store query per request (concurrent requests share one).
   */
  consistency?: Consistency;
  /** Overrides the module's `failureMode` for this route. Not with `consistency: 'strong'`. */
  failureMode?: FailureMode;
  /**
   * Overrides the module's `maxStaleness` (seconds; `0`: any age) for this route. Must be longer
   * than `pollInterval`. Not with `consistency: 'strong'`.
   */
  maxStaleness?: number;
  /**
   * Only tokens whose `client_id` claim (RFC 9068) is one of these reach the route; a token without
   * `client_id` is refused too: 403 `insufficient_scope`, reason `client_not_allowed`.
   */
  clients?: string[];
  /**
   * Only tokens whose `aud` contains one of these reach the route: otherwise 401 `invalid_token`,
   * reason `wrong_audience`.
   */
  audience?: string | string[];
}

/** The `@Authorize()` options of a route. Read with `getAllAndOverride`: a method's replace its class's. */
export const AuthorizeMetadata = Reflector.createDecorator<AuthorizeOptions>();
