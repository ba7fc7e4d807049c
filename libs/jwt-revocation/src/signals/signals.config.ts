import { Logger } from '@nestjs/common';
import type { KeyObject } from 'node:crypto';
import { JwtRevocationConfig } from '../jwt-revocation.config';
import type { JwtAlgorithm } from '../jwt-revocation.options';
import { KeyRing } from '../tokens/key-ring';
import type {
  JwtSignalsModuleOptions,
  SetReceiverEndpoint,
  TrustedSignalIssuer,
} from './signals.options';
import type { SignalSubjectResolver } from './signal-subject.resolver';

const DEFAULT_ALGORITHMS = ['RS256', 'PS256', 'ES256', 'EdDSA'];
const ASYMMETRIC = /^(RS|PS|ES)(256|384|512)$|^EdDSA$|^ES256K$/;

export interface NormalizedIssuer {
  issuer: string;
  jwksUri: URL;
  audience: string[];
  algorithms: string[];
}

export interface NormalizedTransmitter {
  issuer: string;
  receivers: SetReceiverEndpoint[];
  key: { kid?: string; alg: Exclude<JwtAlgorithm, 'HS256'>; signKey: KeyObject };
  /** JWKs to publish besides the module's own (a dedicated signing key). */
  extraJwks: Record<string, unknown>[];
  pollIntervalMs: number;
  retryDelayMs: number;
  maxRetryDelayMs: number;
  leaseTtlMs: number;
  pushTimeoutMs: number;
  /** How long a gap in the change log is waited for (a transaction committing out of order). */
  gapWaitMs: number;
}

/** Signals options with defaults applied and values checked, once at startup. Times in ms. Internal. */
export class SignalsConfig {
  readonly resolver: SignalSubjectResolver;
  readonly backChannelLogout: Map<string, NormalizedIssuer>;
  readonly ssf: Map<string, NormalizedIssuer>;
  readonly logoutMaxAgeMs: number;
  readonly setMaxAgeMs: number;
  readonly clockToleranceMs: number;
  readonly transmitter: NormalizedTransmitter | null;
  /** A claimed signal still pending after this long belonged to an instance that failed. */
  readonly staleClaimMs: number;

  constructor(options: JwtSignalsModuleOptions, core: JwtRevocationConfig) {
    if (!options.resolver || typeof options.resolver.resolveUser !== 'function') {
      throw new Error(
        'jwt-revocation signals: `resolver` with a resolveUser() method is required.',
      );
    }
    this.resolver = options.resolver;
    this.backChannelLogout = issuers('backChannelLogout', options.backChannelLogout ?? []);
    this.ssf = issuers('ssf', options.ssf ?? []);
    this.logoutMaxAgeMs = seconds(
      'maxTokenAge.backChannelLogout',
      options.maxTokenAge?.backChannelLogout,
      300,
    );
    this.setMaxAgeMs = seconds('maxTokenAge.ssf', options.maxTokenAge?.ssf, 86400);
    this.clockToleranceMs = seconds('clockTolerance', options.clockTolerance, 30, 0);
    this.staleClaimMs = 2 * core.storeTimeoutMs + 1000;
    this.transmitter = options.transmitter ? transmitter(options, core) : null;
  }
}

function issuers(name: string, list: TrustedSignalIssuer[]): Map<string, NormalizedIssuer> {
  const map = new Map<string, NormalizedIssuer>();
  for (const entry of list) {
    if (typeof entry.issuer !== 'string' || entry.issuer === '') {
      throw new Error(`jwt-revocation signals: every ${name} entry needs an issuer.`);
    }
    if (map.has(entry.issuer)) {
      throw new Error(`jwt-revocation signals: ${name} lists issuer ${entry.issuer} twice.`);
    }
    let jwksUri: URL;
    try {
      jwksUri = new URL(entry.jwksUri);
    } catch {
      throw new Error(`jwt-revocation signals: ${name} ${entry.issuer}: jwksUri is not a URL.`);
    }
    const audience = (Array.isArray(entry.audience) ? entry.audience : [entry.audience]).filter(
      (a) => typeof a === 'string' && a !== '',
    );
    if (audience.length === 0) {
      throw new Error(`jwt-revocation signals: ${name} ${entry.issuer}: audience is required.`);
    }
    const algorithms = entry.algorithms ?? DEFAULT_ALGORITHMS;
    const refused = algorithms.filter((alg) => !ASYMMETRIC.test(alg));
    if (refused.length > 0 || algorithms.length === 0) {
      throw new Error(
        `jwt-revocation signals: ${name} ${entry.issuer}: only asymmetric algorithms are accepted, not ${refused.join(', ') || 'none'}.`,
      );
    }
    map.set(entry.issuer, { issuer: entry.issuer, jwksUri, audience, algorithms });
  }
  return map;
}

function transmitter(
  options: JwtSignalsModuleOptions,
  core: JwtRevocationConfig,
): NormalizedTransmitter {
  const t = options.transmitter!;
  const issuer = t.issuer ?? core.issuer;
  if (!issuer) {
    throw new Error(
      'jwt-revocation signals: the transmitter needs an issuer (transmitter.issuer or the module issuer).',
    );
  }
  const names = new Set<string>();
  for (const receiver of t.receivers) {
    if (!receiver.name || receiver.name.length > 64 || names.has(receiver.name)) {
      throw new Error(
        `jwt-revocation signals: receiver names must be unique and 1 to 64 characters (${receiver.name}).`,
      );
    }
    names.add(receiver.name);
    try {
      new URL(receiver.endpoint);
    } catch {
      throw new Error(`jwt-revocation signals: receiver ${receiver.name}: endpoint is not a URL.`);
    }
    if (!receiver.audience) {
      throw new Error(`jwt-revocation signals: receiver ${receiver.name}: audience is required.`);
    }
  }
  let key: NormalizedTransmitter['key'];
  let extraJwks: Record<string, unknown>[] = [];
  if (t.signingKey) {
    const ring = KeyRing.fromAsymmetric([t.signingKey]);
    key = { kid: ring.signing.kid, alg: t.signingKey.algorithm, signKey: ring.signing.signKey! };
    extraJwks = ring.toJwks().keys;
  } else {
    const signing = core.keys.signing;
    if (signing.alg === 'HS256') {
      throw new Error(
        'jwt-revocation signals: tokens are signed with an HS256 secret, which cannot be published: ' +
          'give transmitter.signingKey (an asymmetric key) to sign SETs.',
      );
    }
    key = { kid: signing.kid, alg: signing.alg, signKey: signing.signKey! };
  }
  if (t.receivers.length === 0)
    new Logger('JwtSignals').warn('The SET transmitter has no receivers.');
  return {
    issuer,
    receivers: t.receivers,
    key,
    extraJwks,
    pollIntervalMs: seconds('transmitter.pollInterval', t.pollInterval, 1, 0.01),
    retryDelayMs: seconds('transmitter.retryDelay', t.retryDelay, 1, 0.01),
    maxRetryDelayMs: seconds('transmitter.maxRetryDelay', t.maxRetryDelay, 300, 0.01),
    leaseTtlMs: seconds('transmitter.leaseTtl', t.leaseTtl, 30, 1),
    pushTimeoutMs: seconds('transmitter.pushTimeout', t.pushTimeout, 10, 0.1),
    gapWaitMs: 2 * core.storeTimeoutMs + 1000,
  };
}

function seconds(name: string, value: number | undefined, fallback: number, min = 1): number {
  if (value === undefined) return fallback * 1000;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw new Error(`jwt-revocation signals: ${name} must be a number of seconds >= ${min}.`);
  }
  return value * 1000;
}
