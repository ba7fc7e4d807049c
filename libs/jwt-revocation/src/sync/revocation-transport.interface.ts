import { Inject } from '@nestjs/common';
import type { RevocationChange } from '../storage/revocation-store.interface';
import { VERSION_KINDS } from '../storage/session-state';

/** One broadcast of changes an instance made durable. `at` is the sender's clock (ms), for lag metrics. */
export interface RevocationMessage {
  v: 1;
  at: number;
  changes: RevocationChange[];
}

/** What a transport calls back into. */
export interface RevocationTransportHandlers {
  /** A message from another instance (or this one: applying is idempotent). */
  onMessage(message: RevocationMessage): void;
  /** The transport (re)subscribed: catch up from the store, since messages may have been missed. */
  onSubscribed(): void;
}

/**
 * Announces revocations to other instances quickly (Redis pub/sub, Postgres NOTIFY). At most once:
 * polling the store runs underneath as the safety net, so a lost message costs at most one poll interval.
 */
export interface RevocationTransport {
  readonly name: string;
  /** Subscribes. Resolves once subscribed, or once it gave up for now and keeps retrying in the background. */
  start(handlers: RevocationTransportHandlers): Promise<void>;
  /** Broadcasts; rejects when the message could not be handed to the broker. */
  publish(message: RevocationMessage): Promise<void>;
  /** Whether the subscription is live right now. */
  isConnected(): boolean;
  stop(): Promise<void>;
}

/** DI token of the transport port: the `transport` option, or `null` when none is configured (polling alone). */
export const RevocationTransport = Symbol('RevocationTransport');

/** Injects the configured `RevocationTransport` (or `null`). */
export const InjectRevocationTransport = (): ParameterDecorator & PropertyDecorator =>
  Inject(RevocationTransport);

/** Parses a message body; `undefined` for anything that is not a well-formed message. */
export function parseRevocationMessage(body: string): RevocationMessage | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return undefined;
  }
  const m = value as Partial<RevocationMessage>;
  if (!m || m.v !== 1 || typeof m.at !== 'number' || !Array.isArray(m.changes)) return undefined;
  const kinds = new Set(['jti', 'session', 'user', 'global', 'claims', 'session-open']);
  const valid = m.changes.every(
    (c) =>
      c &&
      kinds.has(c.kind) &&
      typeof c.target === 'string' &&
      Number.isFinite(c.seq) &&
      Number.isFinite(c.version) &&
      Number.isFinite(c.expiresAt) &&
      (c.at === undefined || Number.isFinite(c.at)),
  );
  if (!valid) return undefined;
  // A sender that does not stamp wholesale revocations with their time: its clock at sending
  // is later than the revocation, so tokens without versions are revoked at least as far.
  const at = m.at;
  return {
    ...(m as RevocationMessage),
    changes: m.changes.map((c) =>
      VERSION_KINDS.includes(c.kind) && c.at === undefined ? { ...c, at } : c,
    ),
  };
}
