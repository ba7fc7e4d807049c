import type { DataSource } from 'typeorm';

type Callback = (error: Error | null, connection?: { release(): void }) => void;
interface CallbackPool {
  getConnection(callback: Callback): void;
}

/**
 * mysql2 pools queue a request for a connection without limit in time (`acquireTimeout` is gone
 * from mysql2 3; `queueLimit` bounds the length of the queue, not the wait). This bounds the wait:
 * after `timeoutMs` the request fails with `ETIMEDOUT` (answered as 503), and a connection handed
 * over later goes straight back to the pool. Postgres needs none of this: pg's
 * `connectionTimeoutMillis` already covers the wait for a free connection.
 */
export function boundPoolWaits(dataSource: DataSource, timeoutMs: number): void {
  if (dataSource.options.type !== 'mysql' || timeoutMs <= 0) return;
  const pool = (dataSource.driver as unknown as { pool?: CallbackPool }).pool;
  if (!pool) return;
  const getConnection = pool.getConnection.bind(pool);
  pool.getConnection = (callback: Callback) => {
    let answered = false;
    const timer = setTimeout(() => {
      answered = true;
      const error = new Error(`No free database connection within ${timeoutMs} ms`);
      callback(Object.assign(error, { code: 'ETIMEDOUT' }));
    }, timeoutMs);
    getConnection((error, connection) => {
      clearTimeout(timer);
      if (!answered) {
        answered = true;
        callback(error, connection);
      } else {
        connection?.release();
      }
    });
  };
}
