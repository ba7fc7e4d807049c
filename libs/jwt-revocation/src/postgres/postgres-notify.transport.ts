import { Logger } from '@nestjs/common';
import { Client, ClientConfig, Pool } from 'pg';
import type { RevocationChange } from '../storage/revocation-store.interface';
import {
  parseRevocationMessage,
  RevocationMessage,
  RevocationTransport,
  RevocationTransportHandlers,
} from '../sync/revocation-transport.interface';

export interface PostgresNotifyTransportOptions {
  /** `postgres://...` URL. */
  connectionString?: string;
  /** `pg` client options (merged over the URL). */
  client?: ClientConfig;
  /** NOTIFY channel (a Postgres identifier). Default `jwt_revocation`. */
  channel?: string;
}

/** Postgres's NOTIFY payload limit is 8000 bytes: larger batches are split. */
const MAX_PAYLOAD = 7500;

/** Postgres `LISTEN/NOTIFY` between instances (`pg`). Reconnects, re-LISTENs, then asks for a catch-up. */
export class PostgresNotifyTransport implements RevocationTransport {
  readonly name = 'postgres-notify';
  private readonly logger = new Logger('JwtRevocation');
  private readonly channel: string;
  private listener?: Client;
  private pool?: Pool;
  private connected = false;
  private stopped = false;
  private retry?: NodeJS.Timeout;
  private attempts = 0;

  constructor(private readonly options: PostgresNotifyTransportOptions = {}) {
    this.channel = options.channel ?? 'jwt_revocation';
    if (!/^[a-z_][a-z0-9_]*$/.test(this.channel)) {
      throw new Error('jwt-revocation: the NOTIFY channel must be a lower-case identifier.');
    }
  }

  async start(handlers: RevocationTransportHandlers): Promise<void> {
    this.pool = new Pool({ ...this.config(), max: 2 });
    this.pool.on('error', (error) => this.logger.debug(`Postgres notify pool: ${error.message}`));
    await this.listen(handlers);
  }

  async publish(message: RevocationMessage): Promise<void> {
    if (!this.pool) throw new Error('Postgres transport not started');
    for (const changes of chunk(message.changes)) {
      await this.pool.query('SELECT pg_notify($1, $2)', [
        this.channel,
        JSON.stringify({ ...message, changes }),
      ]);
    }
  }

  isConnected(): boolean {
    return this.connected;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    this.connected = false;
    await this.listener?.end().catch(() => undefined);
    await this.pool?.end().catch(() => undefined);
  }

  private config(): ClientConfig {
    return { connectionString: this.options.connectionString, ...this.options.client };
  }

  private async listen(handlers: RevocationTransportHandlers): Promise<void> {
    if (this.stopped) return;
    const client = new Client(this.config());
    this.listener = client;
    const lost = (reason: string) => {
      if (this.listener !== client) return;
      this.connected = false;
      this.listener = undefined;
      client.end().catch(() => undefined);
      if (this.stopped) return;
      const delay = Math.min(50 * 2 ** this.attempts++, 2000);
      this.logger.debug(`Postgres LISTEN connection lost (${reason}); retrying in ${delay} ms`);
      this.retry = setTimeout(() => void this.listen(handlers), delay);
      this.retry.unref();
    };
    client.on('error', (error) => lost(error.message));
    client.on('end', () => lost('ended'));
    client.on('notification', (n) => {
      const message = n.payload ? parseRevocationMessage(n.payload) : undefined;
      if (message) handlers.onMessage(message);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${this.channel}`);
    } catch (error) {
      lost(error instanceof Error ? error.message : String(error));
      return;
    }
    this.connected = true;
    this.attempts = 0;
    handlers.onSubscribed();
  }
}

function chunk(changes: RevocationChange[]): RevocationChange[][] {
  const batches: RevocationChange[][] = [];
  let current: RevocationChange[] = [];
  let size = 0;
  for (const change of changes) {
    const length = JSON.stringify(change).length + 1;
    if (current.length > 0 && size + length > MAX_PAYLOAD) {
      batches.push(current);
      current = [];
      size = 0;
    }
    current.push(change);
    size += length;
  }
  if (current.length > 0 || batches.length === 0) batches.push(current);
  return batches;
}
