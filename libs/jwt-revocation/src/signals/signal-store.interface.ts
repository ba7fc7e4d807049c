import { Inject } from '@nestjs/common';

/** Which way a signal went. */
export type SignalDirection = 'received' | 'sent';

/** The protocol a signal came or went by. */
export type SignalProtocol = 'backchannel-logout' | 'ssf';

/** One received or sent signal, as the audit trail keeps it. Times in ms since the epoch. */
export interface SignalRecord {
  id: number;
  direction: SignalDirection;
  protocol: SignalProtocol;
  /** `iss` of the token: the IdP or transmitter for received signals, this app for sent ones. */
  issuer: string;
  jti: string;
  /** Sent: the receiver's name. Received: empty. */
  peer: string;
  /** Event type URIs. */
  events: string[];
  /** The subject as the token named it (RFC 9493, printed), when it named one. */
  subject: string | null;
  /**
   * Received: `pending` while being applied, then `revoked` or `no_match` (nobody local to revoke).
   * Sent: `delivered`.
   */
  outcome: string;
  /** Sessions (or users) revoked. */
  count: number;
  createdAt: number;
}

/** A signal about to be recorded. */
export type NewSignalRecord = Omit<SignalRecord, 'id'>;

export interface SignalQuery {
  limit: number;
  /** Only entries with an id below this (newest first). */
  beforeId?: number;
  direction?: SignalDirection;
  issuer?: string;
  jti?: string;
}

/**
 * Durable state of the signals: the audit trail (which doubles as the replay guard: one received
 * `(issuer, jti)` is recorded once, across every instance) and the delivery cursors of the SET
 * transmitter, with a lease so that one instance at a time pushes to each receiver.
 */
export interface SignalStore {
  /**
   * Records a received signal as `pending`. False when `(issuer, jti)` was recorded before (a
   * replay), unless that record is still `pending` and older than `staleMs` (its instance died
   * or failed while applying it), in which case this call takes it over.
   */
  claim(record: NewSignalRecord, staleMs: number): Promise<boolean>;
  /** Sets the outcome of a claimed signal. */
  settle(
    issuer: string,
    jti: string,
    outcome: string,
    count: number,
    subject: string | null,
  ): Promise<void>;
  /** Forgets a claim whose revocation failed, so the sender's retry is not taken for a replay. */
  release(issuer: string, jti: string): Promise<void>;
  /** Records a sent signal; recording one twice (a redelivery) keeps the first. */
  recordSent(record: NewSignalRecord): Promise<void>;
  query(query: SignalQuery): Promise<SignalRecord[]>;
  /**
   * Takes or renews the lease on a receiver's delivery until `now + ttlMs`; the receiver's cursor
   * when this `owner` holds it, `null` when another does. A receiver seen for the first time starts
   * at the current end of the change log (history is not replayed).
   */
  lease(receiver: string, owner: string, now: number, ttlMs: number): Promise<number | null>;
  /** Moves the cursor; false when `owner` lost the lease meanwhile. */
  advance(receiver: string, owner: string, cursor: number): Promise<boolean>;
  /** Gives the lease up (at shutdown). */
  unlease(receiver: string, owner: string): Promise<void>;
}

/** DI token of the signal store port. */
export const SignalStore = Symbol('SignalStore');

/** Injects the configured `SignalStore`. */
export const InjectSignalStore = (): ParameterDecorator & PropertyDecorator => Inject(SignalStore);
