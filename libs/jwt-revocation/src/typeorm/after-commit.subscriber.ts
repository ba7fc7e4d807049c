import type {
  DataSource,
  EntityManager,
  EntitySubscriberInterface,
  QueryRunner,
  TransactionCommitEvent,
  TransactionRollbackEvent,
} from 'typeorm';
import type { RevocationTransaction } from '../storage/revocation-store.interface';

/** TypeORM's query runners count nested transactions (savepoints), outside their public type. */
type CountingRunner = QueryRunner & { transactionDepth?: number };

interface Pending {
  /** The transaction depth it was registered at: a rollback to a savepoint below drops it. */
  depth: number;
  action: () => Promise<void>;
}

/**
 * TypeORM has no after-commit hook on a transaction, but it tells its subscribers of every commit
 * and rollback: actions registered on a transaction's `QueryRunner` run once the outermost
 * transaction has committed, and are dropped when it (or the savepoint they were registered in)
 * rolls back. Joins the `DataSource`'s subscribers on first use.
 */
export class AfterCommitSubscriber implements EntitySubscriberInterface {
  private readonly pending = new WeakMap<QueryRunner, Pending[]>();

  constructor(private readonly dataSource: DataSource) {}

  /** The caller's transaction as an `EntityManager` of this `DataSource`; throws for anything else. */
  manager(transaction: RevocationTransaction): EntityManager {
    const em = transaction as Partial<EntityManager>;
    if (typeof em.query !== 'function' || em.connection !== this.dataSource) {
      throw new TypeError(
        'TypeOrmRevocationStore: `transaction` must be the EntityManager of a transaction on the DataSource the store was given.',
      );
    }
    if (!em.queryRunner?.isTransactionActive) {
      throw new TypeError(
        'TypeOrmRevocationStore: `transaction` must be the EntityManager of a running transaction (the one `dataSource.transaction(em => ...)` passes).',
      );
    }
    return em as EntityManager;
  }

  afterCommit(em: EntityManager, action: () => Promise<void>): void {
    const subscribers = this.dataSource.subscribers as EntitySubscriberInterface[];
    if (!subscribers.includes(this)) subscribers.push(this);
    const runner = em.queryRunner as CountingRunner;
    const pending = this.pending.get(runner) ?? [];
    pending.push({ depth: runner.transactionDepth ?? 1, action });
    this.pending.set(runner, pending);
  }

  async afterTransactionCommit(event: TransactionCommitEvent): Promise<void> {
    const runner = event.queryRunner;
    // A released savepoint: the outer transaction still decides.
    if (runner.isTransactionActive) return;
    const pending = this.pending.get(runner);
    if (!pending) return;
    this.pending.delete(runner);
    for (const { action } of pending) await action();
  }

  afterTransactionRollback(event: TransactionRollbackEvent): void {
    const runner = event.queryRunner as CountingRunner;
    const pending = this.pending.get(runner);
    if (!pending) return;
    const kept = runner.isTransactionActive
      ? pending.filter((p) => p.depth <= (runner.transactionDepth ?? 0))
      : [];
    if (kept.length > 0) this.pending.set(runner, kept);
    else this.pending.delete(runner);
  }
}
