import { ClientRegistry } from './clients/client.registry';
import { KeyRing } from './tokens/key-ring';
import type {
  ClaimsLoader,
  ErrorDetail,
  FailureMode,
  JwtRevocationModuleOptions,
  RevocationMode,
} from './jwt-revocation.options';

/** Options with every default applied and every value checked, built once at startup. Times in ms. Internal. */
export class JwtRevocationConfig {
  readonly keys: KeyRing;
  readonly issuer?: string;
  readonly audience?: string;
  readonly clients: ClientRegistry;
  readonly accessTokenTtlMs: number;
  readonly refreshTokenTtlMs: number;
  readonly sessionIdleTimeoutMs: number;
  readonly sessionAbsoluteTimeoutMs: number;
  readonly clockToleranceMs: number;
  readonly mode: RevocationMode;
  readonly failureMode: FailureMode;
  readonly refreshReuseGraceMs: number;
  readonly maxTokenLength: number;
  readonly verifiedTokenCache: { maxEntries: number; maxBytes: number };
  readonly errorDetail: ErrorDetail;
  readonly pollIntervalMs: number;
  readonly maxStalenessMs: number;
  readonly purgeIntervalMs: number;
  readonly storeTimeoutMs: number;
  readonly slowStoreThresholdMs: number;
  readonly claimsLoader?: ClaimsLoader;

  constructor(options: JwtRevocationModuleOptions) {
    if (options.secret !== undefined && options.keys !== undefined) {
      throw new Error('jwt-revocation: give either `secret` or `keys`, not both.');
    }
    this.keys =
      options.secret !== undefined
        ? KeyRing.fromSecret(options.secret)
        : KeyRing.fromAsymmetric(options.keys ?? [], options.signingKid);
    this.issuer = optionalString('issuer', options.issuer);
    this.audience = optionalString('audience', options.audience);
    this.clients = new ClientRegistry(
      options.clients,
      optionalString('defaultClientId', options.defaultClientId),
    );
    this.accessTokenTtlMs = seconds('accessTokenTtl', options.accessTokenTtl, 900, 1);
    this.refreshTokenTtlMs = seconds('refreshTokenTtl', options.refreshTokenTtl, 14 * 86400, 1);
    this.sessionIdleTimeoutMs = seconds(
      'sessionIdleTimeout',
      options.sessionIdleTimeout,
      this.refreshTokenTtlMs / 1000,
      0,
    );
    this.sessionAbsoluteTimeoutMs = seconds(
      'sessionAbsoluteTimeout',
      options.sessionAbsoluteTimeout,
      30 * 86400,
      1,
    );
    this.clockToleranceMs = seconds('clockTolerance', options.clockTolerance, 5, 0);
    this.mode = oneOf('mode', options.mode, ['denylist', 'allowlist'], 'denylist');
    this.failureMode = oneOf('failureMode', options.failureMode, ['closed', 'open'], 'closed');
    this.refreshReuseGraceMs = seconds('refreshReuseGrace', options.refreshReuseGrace, 5, 0);
    this.errorDetail = oneOf(
      'errorDetail',
      options.errorDetail,
      ['generic', 'actionable', 'verbose'],
      'actionable',
    );
    this.maxTokenLength = integer('maxTokenLength', options.maxTokenLength, 8192, 256);
    this.verifiedTokenCache = {
      maxEntries: integer(
        'verifiedTokenCache.maxEntries',
        options.verifiedTokenCache?.maxEntries,
        10_000,
        0,
      ),
      maxBytes: integer(
        'verifiedTokenCache.maxBytes',
        options.verifiedTokenCache?.maxBytes,
        16 << 20,
        0,
      ),
    };
    this.pollIntervalMs = seconds('pollInterval', options.pollInterval, 1, 0);
    this.maxStalenessMs = seconds('maxStaleness', options.maxStaleness, 5, 0);
    this.purgeIntervalMs = seconds('purgeInterval', options.purgeInterval, 3600, 0);
    this.storeTimeoutMs = seconds('storeTimeout', options.storeTimeout, 5, 0.001);
    this.slowStoreThresholdMs = seconds('slowStoreThreshold', options.slowStoreThreshold, 1, 0.001);
    if (options.claimsLoader !== undefined && typeof options.claimsLoader !== 'function') {
      throw new Error('jwt-revocation: claimsLoader must be a function.');
    }
    this.claimsLoader = options.claimsLoader;
    if (
      this.pollIntervalMs > 0 &&
      this.maxStalenessMs > 0 &&
      this.maxStalenessMs <= this.pollIntervalMs
    ) {
      throw new Error('jwt-revocation: maxStaleness must be longer than pollInterval.');
    }
  }

  /** How long a revoked session must stay denied: until its last access token has expired. */
  get sessionDenyRetentionMs(): number {
    return this.sessionAbsoluteTimeoutMs + this.accessTokenTtlMs + this.clockToleranceMs;
  }
}

function seconds(name: string, value: number | undefined, fallback: number, min: number): number {
  const v = value ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) {
    throw new Error(`jwt-revocation: ${name} must be a number >= ${min}, got ${String(value)}.`);
  }
  return Math.round(v * 1000);
}

function integer(name: string, value: number | undefined, fallback: number, min: number): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < min) {
    throw new Error(`jwt-revocation: ${name} must be an integer >= ${min}, got ${String(value)}.`);
  }
  return v;
}

function optionalString(name: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0) {
    throw new Error(`jwt-revocation: ${name} must be a non-empty string.`);
  }
  return value;
}

function oneOf<T extends string>(name: string, value: unknown, allowed: T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value as T)) {
    throw new Error(`jwt-revocation: ${name} must be one of ${allowed.join(', ')}.`);
  }
  return value as T;
}

/**
 * Checks module options the way `JwtRevocationModule` does at startup, and throws the same errors
 * (e.g. a secret shorter than 32 bytes, `maxStaleness` not longer than `pollInterval`). Use it to
 * validate configuration before booting, for instance in a config loader.
 */
export function validateJwtRevocationOptions(options: JwtRevocationModuleOptions): void {
  new JwtRevocationConfig(options);
}
