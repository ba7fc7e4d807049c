import type { StoreFailure } from '../jwt-revocation.exceptions';

/** Error codes of Node, pg, mysql2 and SQLite that mean "no answer from the database right now". */
const UNAVAILABLE_CODES: Record<string, StoreFailure> = {
  ECONNREFUSED: 'unreachable',
  ECONNRESET: 'unreachable',
  EPIPE: 'unreachable',
  EHOSTUNREACH: 'unreachable',
  ENOTFOUND: 'unreachable',
  ETIMEDOUT: 'timeout',
  // mysql2
  PROTOCOL_CONNECTION_LOST: 'unreachable',
  PROTOCOL_SEQUENCE_TIMEOUT: 'timeout',
  ER_CON_COUNT_ERROR: 'unreachable',
  ER_LOCK_WAIT_TIMEOUT: 'timeout',
  ER_QUERY_TIMEOUT: 'timeout', // MariaDB max_statement_time
  ER_STATEMENT_TIMEOUT: 'timeout', // MariaDB max_statement_time
  ER_QUERY_INTERRUPTED: 'timeout',
  // SQLite: another connection holds the lock longer than the busy timeout
  SQLITE_BUSY: 'timeout',
  SQLITE_LOCKED: 'timeout',
  // Postgres SQLSTATEs
  '57014': 'timeout', // query_canceled (statement_timeout)
  '55P03': 'timeout', // lock_not_available (lock_timeout)
  '25P03': 'timeout', // idle_in_transaction_session_timeout
  '53300': 'unreachable', // too_many_connections
  '57P01': 'unreachable', // admin_shutdown
  '57P02': 'unreachable', // crash_shutdown
  '57P03': 'unreachable', // cannot_connect_now
  '08000': 'unreachable',
  '08001': 'unreachable',
  '08003': 'unreachable',
  '08006': 'unreachable',
};

/** Messages of errors raised without a code (pg-pool, pg's client timers, mysql2's pool). */
const UNAVAILABLE_MESSAGES: [RegExp, StoreFailure][] = [
  [/timeout exceeded when trying to connect/i, 'timeout'], // pg-pool: no connection within connectionTimeoutMillis
  [/Query read timeout/i, 'timeout'], // pg query_timeout
  [/Connection terminated/i, 'unreachable'],
  [/connect ECONNREFUSED/i, 'unreachable'],
  [/Connection lost/i, 'unreachable'],
  [/No connections available|Queue limit reached/i, 'timeout'], // mysql2 pool
  [/Pool acquire timeout|Timeout acquiring a connection/i, 'timeout'],
  [/Client has encountered a connection error/i, 'unreachable'],
];

/**
 * Whether `error` means the database did not answer (timeout, pool exhausted, connection refused or
 * lost), and which: `undefined` for anything else (a constraint violation, a bug), which must not be
 * dressed up as a 503. Follows `driverError` (TypeORM's `QueryFailedError`) and `cause` chains.
 */
export function storeFailureOf(error: unknown): StoreFailure | undefined {
  let e = error as { code?: unknown; message?: unknown; driverError?: unknown; cause?: unknown };
  for (let depth = 0; typeof e === 'object' && e !== null && depth < 5; depth++) {
    if (typeof e.code === 'string' && Object.hasOwn(UNAVAILABLE_CODES, e.code)) {
      return UNAVAILABLE_CODES[e.code];
    }
    if (typeof e.message === 'string') {
      const message = e.message;
      const match = UNAVAILABLE_MESSAGES.find(([pattern]) => pattern.test(message));
      if (match) return match[1];
    }
    e = (e.driverError ?? e.cause) as typeof e;
  }
  return undefined;
}
