import { AsyncLocalStorage } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';

const budget = new AsyncLocalStorage<number>();

/**
 * One deadline shared by every store call of an operation (a refresh reads the session, the
 * versions, then rotates): without it, each call could take almost `storeTimeout` and the client
 * would wait a multiple of it. An enclosing budget that ends sooner wins.
 *
 * Apps can open a budget of their own around a whole request, so that the library's store calls
 * (each still bounded by `storeTimeout`) share it with the app's own queries: a call made with
 * nothing left fails at once with `StoreUnavailableException` (503 + `Retry-After`).
 *
 * It is an `AsyncLocalStorage`: on Node < 24 the first `run` turns on promise hooks for the whole
 * process, which cost a small Nest route about a fifth of its throughput in this project's
 * benchmark. The library itself never calls `run` (its operations carry their budget explicitly),
 * so that cost is only paid by apps that use this.
 *
 * ```ts
 * import { StoreDeadline } from 'nestjs-jwt-revocation';
 *
 * export const withinFiveSeconds = <T>(work: () => Promise<T>): Promise<T> =>
 *   StoreDeadline.run(5000, work);
 * ```
 */
export const StoreDeadline = {
  /** Runs `work` with at most `ms` milliseconds for every store call it makes, together. */
  run<T>(ms: number, work: () => Promise<T>): Promise<T> {
    const outer = budget.getStore();
    const at = performance.now() + ms;
    return budget.run(outer !== undefined && outer < at ? outer : at, work);
  },

  /** Milliseconds left in the current operation's budget, or `undefined` outside of one. */
  remaining(): number | undefined {
    const at = budget.getStore();
    return at === undefined ? undefined : at - performance.now();
  },
};
