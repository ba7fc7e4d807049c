import { StoreDeadline, StoreUnavailableException } from 'nestjs-jwt-revocation';
import type { DataSource, QueryRunner } from 'typeorm';

/**
 * Bounds every query made within a `StoreDeadline` (a request's, see `RequestDeadline`) by what is
 * left of it: with nothing left a query is not sent, and one still running when the time is up is
 * abandoned (the statement timeout ends it on the server) and answered as 503 + `Retry-After`.
 * Queries outside a deadline (polling, purges, the CLI) keep the pool's own bounds. A `ROLLBACK` is
 * always sent, so that a transaction given up never keeps its connection in a transaction.
 *
 * A runner released while one of its queries is abandoned but still running (TypeORM releases it
 * as soon as the query fails) gives its connection back once that query settles: released earlier,
 * TypeORM would lose track of the connection (it registers the runner when the connection arrives,
 * after the release) and spin forever in `DataSource.destroy()`.
 */
export function boundQueriesByDeadline(dataSource: DataSource, retryAfterSeconds: number): void {
  const createQueryRunner = dataSource.createQueryRunner.bind(dataSource);
  dataSource.createQueryRunner = (...args: Parameters<DataSource['createQueryRunner']>) => {
    const runner = createQueryRunner(...args);
    const query = runner.query.bind(runner) as (...a: unknown[]) => Promise<unknown>;
    const release = runner.release.bind(runner);
    const running = new Set<Promise<unknown>>();
    let deferredRelease: Promise<void> | undefined;
    runner.query = ((sql: string, ...rest: unknown[]) => {
      const left = StoreDeadline.remaining();
      if (left === undefined || /^\s*ROLLBACK/i.test(sql)) return query(sql, ...rest);
      const expired = () => new StoreUnavailableException('timeout', retryAfterSeconds);
      if (left <= 0) return Promise.reject(expired());
      const pending = query(sql, ...rest);
      running.add(pending);
      const settled = () => running.delete(pending);
      pending.then(settled, settled);
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(expired()), left);
      });
      return Promise.race([pending, deadline]).finally(() => clearTimeout(timer));
    }) as QueryRunner['query'];
    runner.release = () => {
      if (running.size === 0 && deferredRelease === undefined) return release();
      // The first caller (the request giving up) does not wait; later ones (destroy) do.
      const first = deferredRelease === undefined;
      deferredRelease ??= Promise.allSettled([...running]).then(() => release());
      return first ? Promise.resolve() : deferredRelease;
    };
    return runner;
  };
}
