import { StoreDeadline, StoreUnavailableException } from 'nestjs-jwt-revocation';
import { DataSource } from 'typeorm';
import {
  createTestDatabase,
  testDatabaseKinds,
  type TestDatabase,
} from '../../../../test/support/databases';
import { within } from '../../../../test/support/until';
import { boundQueriesByDeadline } from './query-deadline';

const SLEEP = { postgres: 'SELECT pg_sleep(0.6)', mariadb: 'SELECT SLEEP(0.6)' } as const;
/** Long enough that an answer at the deadline stays clear of it on a loaded CI machine. */
const LONG_SLEEP = { postgres: 'SELECT pg_sleep(3)', mariadb: 'SELECT SLEEP(3)' } as const;

describe.each(testDatabaseKinds().filter((kind) => kind !== 'sqlite'))(
  'boundQueriesByDeadline on %s',
  (kind) => {
    let db: TestDatabase;
    let dataSource: DataSource;
    let closable = true;

    beforeEach(async () => {
      db = await createTestDatabase(kind);
      dataSource = new DataSource({ ...db.options, poolSize: 1 } as never);
      await dataSource.initialize();
      boundQueriesByDeadline(dataSource, 1);
    });

    afterEach(async () => {
      // After a failure TypeORM may have lost a connection, and destroy() would then never return.
      if (dataSource.isInitialized && closable) await dataSource.destroy();
      closable = true;
      await db.drop();
    });

    it('answers a query past the deadline with 503 at the deadline, without waiting for it', async () => {
      const started = performance.now();
      const query = StoreDeadline.run(150, () => dataSource.query(LONG_SLEEP[kind as 'postgres']));
      await expect(query).rejects.toBeInstanceOf(StoreUnavailableException);
      expect(performance.now() - started).toBeLessThan(2000);
    });

    it('gives back the connection of a query abandoned while it waited for one (pool exhausted)', async () => {
      const held = dataSource.query(SLEEP[kind as 'postgres']);
      await expect(
        StoreDeadline.run(100, () => dataSource.query('SELECT 1 AS one')),
      ).rejects.toBeInstanceOf(StoreUnavailableException);
      await held;
      // The one connection came back to the pool, and TypeORM can still close it.
      closable = false;
      await expect(within(dataSource.query('SELECT 1 AS one'), 5000, 'a query')).resolves.toEqual([
        expect.objectContaining({ one: 1 }),
      ]);
      closable = true;
      await within(dataSource.destroy(), 5000, 'destroy()');
    });

    it('gives the connection of an abandoned query back once it settles, so the pool and destroy() work', async () => {
      for (let i = 0; i < 3; i++) {
        await expect(
          StoreDeadline.run(100, () => dataSource.query(SLEEP[kind as 'postgres'])),
        ).rejects.toBeInstanceOf(StoreUnavailableException);
      }
      // Three abandoned queries on a pool of one: the connection came back each time.
      await expect(within(dataSource.query('SELECT 1 AS one'), 5000, 'a query')).resolves.toEqual([
        expect.objectContaining({ one: 1 }),
      ]);
      await StoreDeadline.run(100, () => dataSource.query(SLEEP[kind as 'postgres'])).catch(
        () => undefined,
      );
      await within(dataSource.destroy(), 5000, 'destroy()');
    });
  },
);
