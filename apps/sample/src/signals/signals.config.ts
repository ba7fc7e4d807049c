import { resolve } from 'node:path';
import type { JwtAsymmetricKey } from 'nestjs-jwt-revocation';
import type { TrustedSignalIssuer } from 'nestjs-jwt-revocation/signals';
import { loadPrivateKeyFile } from '../config/signing-key.loader';

/** Settings of the security signals, from the environment. Durations in seconds. */
export interface SignalsSettings {
  /** `OIDC_BACKCHANNEL_*`: the IdP whose logout tokens `POST /oauth/backchannel-logout` accepts. */
  backChannelLogout: TrustedSignalIssuer | null;
  /** `SSF_TRANSMITTER_*`: the transmitter whose SETs `POST /ssf/events` accepts. */
  ssf: TrustedSignalIssuer | null;
  /** `SET_RECEIVER_*`: where this app's revocations are pushed as SETs. */
  transmitter: {
    issuer?: string;
    endpoint: string;
    audience: string;
    authorization?: string;
    signingKey?: JwtAsymmetricKey;
    retryDelay: number;
    maxRetryDelay: number;
    pollInterval: number;
    leaseTtl: number;
  } | null;
}

/** What `parseSignals` reads the environment with (the sample's `EnvReader`). */
export interface SignalsEnv {
  text(name: string): string | undefined;
  duration(name: string, fallback: number, min: number, max: number): number;
  problem(message: string): void;
}

/** `null` when no signal is configured (the routes are then absent). */
export function parseSignals(read: SignalsEnv, cwd: string): SignalsSettings | null {
  const settings: SignalsSettings = {
    backChannelLogout: trustedIssuer(read, 'OIDC_BACKCHANNEL'),
    ssf: trustedIssuer(read, 'SSF_TRANSMITTER'),
    transmitter: transmitter(read, cwd),
  };
  return settings.backChannelLogout || settings.ssf || settings.transmitter ? settings : null;
}

function trustedIssuer(read: SignalsEnv, prefix: string): TrustedSignalIssuer | null {
  const issuer = read.text(`${prefix}_ISSUER`);
  const jwksUri = read.text(`${prefix}_JWKS_URL`);
  const audience = read.text(`${prefix}_AUDIENCE`);
  const given = [issuer, jwksUri, audience].filter((v) => v !== undefined).length;
  if (given === 0) return null;
  if (given < 3) {
    read.problem(
      `${prefix}_ISSUER, ${prefix}_JWKS_URL and ${prefix}_AUDIENCE go together: set all three`,
    );
    return null;
  }
  if (!isHttpUrl(jwksUri!))
    read.problem(`${prefix}_JWKS_URL must be an http(s) URL, got ${JSON.stringify(jwksUri)}`);
  return { issuer: issuer!, jwksUri: jwksUri!, audience: audience! };
}

function transmitter(read: SignalsEnv, cwd: string): SignalsSettings['transmitter'] {
  const endpoint = read.text('SET_RECEIVER_URL');
  const audience = read.text('SET_RECEIVER_AUDIENCE');
  if (endpoint === undefined && audience === undefined) return null;
  if (endpoint === undefined || audience === undefined) {
    read.problem('SET_RECEIVER_URL and SET_RECEIVER_AUDIENCE go together: set both');
    return null;
  }
  if (!isHttpUrl(endpoint))
    read.problem(`SET_RECEIVER_URL must be an http(s) URL, got ${JSON.stringify(endpoint)}`);
  const keyFile = read.text('SET_SIGNING_KEY_FILE');
  let signingKey: JwtAsymmetricKey | undefined;
  if (keyFile !== undefined) {
    try {
      signingKey = loadPrivateKeyFile(resolve(cwd, keyFile));
    } catch (error) {
      read.problem(`SET_SIGNING_KEY_FILE: ${(error as Error).message}`);
    }
  }
  return {
    issuer: read.text('SET_ISSUER'),
    endpoint,
    audience,
    authorization: read.text('SET_RECEIVER_AUTHORIZATION'),
    signingKey,
    retryDelay: read.duration('SET_RETRY_DELAY', 1, 0.01, 3600),
    maxRetryDelay: read.duration('SET_MAX_RETRY_DELAY', 300, 0.01, 86400),
    pollInterval: read.duration('SET_POLL_INTERVAL', 1, 0.01, 3600),
    leaseTtl: read.duration('SET_LEASE_TTL', 30, 1, 3600),
  };
}

function isHttpUrl(raw: string): boolean {
  try {
    const url = new URL(raw);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
