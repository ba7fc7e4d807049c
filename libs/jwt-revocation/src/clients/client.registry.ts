import { isClientSecretHash } from './client-secret.hasher';

/** RFC 6749 §2.1: a confidential client authenticates with its secret; a public one cannot keep one. */
export type OAuthClientType = 'public' | 'confidential';

/** What a client may do at the OAuth endpoints besides the grants it may use. */
export type OAuthClientRight = 'revocation' | 'introspection';

/** RFC 6749 §2.3 / RFC 8414 client authentication methods of the revocation and introspection endpoints. */
export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none';

/** One client of `JwtRevocationModuleOptions.clients`. */
export interface OAuthClientOptions {
  /** The `client_id` (RFC 6749 §2.2): 1-255 visible ASCII characters or spaces, unique. */
  clientId: string;
  /** Default `confidential` when `secretHash` is given, `public` otherwise. */
  type?: OAuthClientType;
  /**
   * Hash of a confidential client's secret, from `hashClientSecret()`: `$scrypt$...` (any secret) or
   * `sha256:...` (generated secrets of 32+ characters). Never the secret itself.
   */
  secretHash?: string;
  /** Grant types the client may use, e.g. `refresh_token` (checked by `SessionService.refresh`). Default `['refresh_token']`. */
  grantTypes?: string[];
  /** May revoke the tokens issued to it (RFC 7009). Default true. */
  revocation?: boolean;
  /** May introspect any token (RFC 7662), as a resource server does. Confidential clients only. Default false. */
  introspection?: boolean;
}

/** A registered client, with its defaults applied. */
export interface OAuthClient {
  readonly clientId: string;
  readonly type: OAuthClientType;
  readonly secretHash?: string;
  readonly grantTypes: readonly string[];
  readonly revocation: boolean;
  readonly introspection: boolean;
}

/** `client_id` of the implicit client when `clients` is not configured. */
export const DEFAULT_CLIENT_ID = 'first-party';

const CLIENT_ID = /^[\x20-\x7e]{1,255}$/;

/**
 * The clients configured in `JwtRevocationModuleOptions.clients`, checked once at startup. Tokens
 * carry their client's `client_id` (RFC 9068 §2.2); a token without one (issued before clients were
 * configured) belongs to the default client.
 */
export class ClientRegistry {
  /** The client tokens are issued to when no client is named. */
  readonly defaultClientId: string;
  private readonly byId = new Map<string, OAuthClient>();

  /** Whether the clients were configured (not just the implicit first-party client). */
  readonly configured: boolean;

  constructor(clients?: OAuthClientOptions[], defaultClientId?: string) {
    this.configured = clients !== undefined;
    if (clients !== undefined && (!Array.isArray(clients) || clients.length === 0)) {
      throw new Error('jwt-revocation: clients must be a non-empty array when given.');
    }
    const options = clients ?? [{ clientId: defaultClientId ?? DEFAULT_CLIENT_ID }];
    for (const option of options) {
      const client = normalise(option);
      if (this.byId.has(client.clientId)) {
        throw new Error(`jwt-revocation: duplicate clientId ${JSON.stringify(client.clientId)}.`);
      }
      this.byId.set(client.clientId, Object.freeze(client));
    }
    this.defaultClientId = defaultClientId ?? options[0].clientId;
    if (!this.byId.has(this.defaultClientId)) {
      throw new Error(
        `jwt-revocation: defaultClientId ${JSON.stringify(this.defaultClientId)} is not in clients.`,
      );
    }
  }

  /** The client registered under `clientId`, if any. */
  find(clientId: unknown): OAuthClient | undefined {
    return typeof clientId === 'string' ? this.byId.get(clientId) : undefined;
  }

  /** Every registered client. */
  all(): OAuthClient[] {
    return [...this.byId.values()];
  }

  /** The `client_id` a token was issued to: its claim, or the default client for tokens without one. */
  clientIdOf(claims: { client_id?: unknown }): string {
    return typeof claims.client_id === 'string' ? claims.client_id : this.defaultClientId;
  }

  /** Whether `clientId` is registered and may use `grantType`. */
  allowsGrant(clientId: string, grantType: string): boolean {
    return this.find(clientId)?.grantTypes.includes(grantType) ?? false;
  }

  /** The authentication methods some client with `right` uses, for RFC 8414 `*_auth_methods_supported`. */
  authMethodsFor(right: OAuthClientRight): ClientAuthMethod[] {
    const clients = this.all().filter((client) => client[right]);
    const methods: ClientAuthMethod[] = [];
    if (clients.some((client) => client.type === 'confidential')) {
      methods.push('client_secret_basic', 'client_secret_post');
    }
    if (clients.some((client) => client.type === 'public')) methods.push('none');
    return methods;
  }
}

function normalise(option: OAuthClientOptions): OAuthClient {
  if (typeof option !== 'object' || option === null) {
    throw new Error('jwt-revocation: every client must be an object.');
  }
  const { clientId, secretHash } = option;
  if (typeof clientId !== 'string' || !CLIENT_ID.test(clientId)) {
    throw new Error(
      'jwt-revocation: clientId must be 1-255 visible ASCII characters or spaces (RFC 6749 §2.2).',
    );
  }
  const name = JSON.stringify(clientId);
  const type = option.type ?? (secretHash === undefined ? 'public' : 'confidential');
  if (type !== 'public' && type !== 'confidential') {
    throw new Error(`jwt-revocation: client ${name}: type must be public or confidential.`);
  }
  if (type === 'confidential' && !isClientSecretHash(secretHash)) {
    throw new Error(
      `jwt-revocation: client ${name} is confidential and needs a secretHash from hashClientSecret() ` +
        '($scrypt$... or sha256:...), never the secret itself.',
    );
  }
  if (type === 'public' && secretHash !== undefined) {
    throw new Error(`jwt-revocation: client ${name} is public and cannot have a secretHash.`);
  }
  const grantTypes = option.grantTypes ?? ['refresh_token'];
  if (!Array.isArray(grantTypes) || grantTypes.some((g) => typeof g !== 'string' || g === '')) {
    throw new Error(`jwt-revocation: client ${name}: grantTypes must be an array of grant types.`);
  }
  const revocation = flag(name, 'revocation', option.revocation, true);
  const introspection = flag(name, 'introspection', option.introspection, false);
  if (introspection && type === 'public') {
    throw new Error(
      `jwt-revocation: client ${name} is public: only a confidential client may introspect (RFC 7662 §2.1).`,
    );
  }
  return {
    clientId,
    type,
    ...(type === 'confidential' ? { secretHash } : {}),
    grantTypes: Object.freeze([...grantTypes]),
    revocation,
    introspection,
  };
}

function flag(client: string, name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') {
    throw new Error(`jwt-revocation: client ${client}: ${name} must be true or false.`);
  }
  return value;
}
