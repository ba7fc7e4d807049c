import { Logger } from '@nestjs/common';
import Redis, { RedisOptions } from 'ioredis';
import {
  parseRevocationMessage,
  RevocationMessage,
  RevocationTransport,
  RevocationTransportHandlers,
} from '../sync/revocation-transport.interface';

/** How long `start` waits for the first subscription before going on (it keeps retrying behind). */
const START_TIMEOUT_MS = 2000;

export interface RedisRevocationTransportOptions {
  /** `redis://...` URL. */
  url?: string;
  /** ioredis options (merged over the URL's). */
  redis?: RedisOptions;
  /** Pub/sub channel. Default `jwt-revocation:changes`. */
  channel?: string;
}

/** Redis pub/sub between instances (`ioredis`). Resubscribes and asks for a catch-up after every reconnect. */
export class RedisRevocationTransport implements RevocationTransport {
  readonly name = 'redis';
  private readonly logger = new Logger('JwtRevocation');
  private readonly channel: string;
  private subscriber?: Redis;
  private publisher?: Redis;
  /** The subscription of the current connection is active (reset whenever it drops). */
  private subscribed = false;

  constructor(private readonly options: RedisRevocationTransportOptions = {}) {
    this.channel = options.channel ?? 'jwt-revocation:changes';
  }

  async start(handlers: RevocationTransportHandlers): Promise<void> {
    const base: RedisOptions = {
      lazyConnect: true,
      autoResubscribe: false,
      maxRetriesPerRequest: 1,
      retryStrategy: (times) => Math.min(50 * times, 1000),
      ...this.options.redis,
    };
    const create = (extra: RedisOptions) =>
      this.options.url
        ? new Redis(this.options.url, { ...base, ...extra })
        : new Redis({ ...base, ...extra });
    this.subscriber = create({});
    this.publisher = create({ enableOfflineQueue: false });
    this.subscriber.on('error', (error) => this.logger.debug(`Redis subscriber: ${error.message}`));
    this.publisher.on('error', (error) => this.logger.debug(`Redis publisher: ${error.message}`));
    this.subscriber.on('message', (_channel: string, body: string) => {
      const message = parseRevocationMessage(body);
      if (message) handlers.onMessage(message);
    });
    this.subscriber.on('close', () => (this.subscribed = false));
    const subscribed = new Promise<void>((resolve) => {
      this.subscriber!.on('ready', () => {
        this.subscriber!.subscribe(this.channel).then(
          () => {
            this.subscribed = true;
            handlers.onSubscribed();
            resolve();
          },
          (error: Error) => this.logger.warn(`Redis subscribe failed: ${error.message}`),
        );
      });
    });
    await Promise.allSettled([this.subscriber.connect(), this.publisher.connect()]);
    let timer: NodeJS.Timeout | undefined;
    const giveUp = new Promise<void>((resolve) => (timer = setTimeout(resolve, START_TIMEOUT_MS)));
    await Promise.race([subscribed, giveUp]);
    clearTimeout(timer);
  }

  async publish(message: RevocationMessage): Promise<void> {
    if (!this.publisher) throw new Error('Redis transport not started');
    await this.publisher.publish(this.channel, JSON.stringify(message));
  }

  /** Subscribed on a live connection and able to publish: a reconnected client is not connected until both. */
  isConnected(): boolean {
    return (
      this.subscribed && this.subscriber?.status === 'ready' && this.publisher?.status === 'ready'
    );
  }

  async stop(): Promise<void> {
    await Promise.all(
      [this.subscriber, this.publisher].map(async (client) => {
        if (client?.status === 'ready') await client.quit().catch(() => client.disconnect());
        else client?.disconnect();
      }),
    );
  }
}
