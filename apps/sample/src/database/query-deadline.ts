import { StoreDeadline, StoreUnavailableException } from 'nestjs-jwt-revocation';
import type { DataSource, QueryRunner } from 'typeorm';

/**
 * Bounds every query made within a `StoreDeadline` (a request's, see `RequestDeadline`) by what is
 * left of it: with nothing left a query is not sent, and one still running when the time is up is
 * abandoned (the statement timeout ends it on the server) and answered as 503 + `Retry-After`.
 * Queries outside a deadline (polling, purges, the CLI) keep the pool's own bounds. A `ROLLBACK` is
 * always sent, so that a transaction given up never keeps its connection in a transaction.
 */
export function boundQueriesByDeadline(dataSource: DataSource, retryAfterSeconds: number): void {
  const createQueryRunner = dataSource.createQueryRunner.bind(dataSource);
  dataSource.createQueryRunner = (...args: Parameters<DataSource['createQueryRunner']>) => {
    const runner = createQueryRunner(...args);
    const query = runner.query.bind(runner) as (...a: unknown[]) => Promise<unknown>;
    runner.query = ((sql: string, ...rest: unknown[]) => {
      const left = StoreDeadline.remaining();
      if (left === undefined || /^\s*ROLLBACK/i.test(sql)) return query(sql, ...rest);
      const expired = () => new StoreUnavailableException('timeout', retryAfterSeconds);
      if (left <= 0) return Promise.reject(expired());
      const running = query(sql, ...rest);
      running.catch(() => undefined);
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(expired()), left);
      });
      return Promise.race([running, deadline]).finally(() => clearTimeout(timer));
    }) as QueryRunner['query'];
    return runner;
  };
}
