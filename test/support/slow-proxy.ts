import { AddressInfo, createConnection, createServer, Server, Socket } from 'node:net';

/**
 * A TCP proxy on an ephemeral loopback port that delays every chunk, in each direction, by
 * `latencyMs` (changeable at any time; order is kept). Put it between one app instance and its
 * database to make that link slow while the database itself stays fast for everyone else.
 */
export class SlowProxy {
  /** Added to each chunk in each direction: a round trip costs twice this. */
  latencyMs = 0;
  private readonly sockets = new Set<Socket>();
  private queued = 0;

  private constructor(
    private readonly server: Server,
    private readonly target: { host: string; port: number },
  ) {}

  static async start(target: { host: string; port: number }): Promise<SlowProxy> {
    const server = createServer();
    const proxy = new SlowProxy(server, target);
    server.on('connection', (client) => proxy.accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return proxy;
  }

  /** Chunks delayed and not yet forwarded. */
  get pending(): number {
    return this.queued;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** `url` (a database URL pointing at the target) rewritten to go through the proxy. */
  rewrite(url: string): string {
    const rewritten = new URL(url);
    rewritten.hostname = '127.0.0.1';
    rewritten.port = String(this.port);
    return rewritten.toString();
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    const upstream = createConnection(this.target);
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.on('close', () => {
        this.sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
      socket.on('error', () => undefined);
    }
    this.relay(client, upstream);
    this.relay(upstream, client);
  }

  /** Forwards `from` to `to`, each chunk `latencyMs` late, in order. */
  private relay(from: Socket, to: Socket): void {
    const queue: { due: number; chunk: Buffer }[] = [];
    let timer: NodeJS.Timeout | undefined;
    const pump = () => {
      timer = undefined;
      while (queue.length > 0 && queue[0].due <= Date.now()) {
        const { chunk } = queue.shift()!;
        this.queued--;
        if (!to.destroyed) to.write(chunk);
      }
      if (queue.length > 0) timer = setTimeout(pump, queue[0].due - Date.now());
    };
    from.on('data', (chunk: Buffer) => {
      queue.push({ due: Date.now() + this.latencyMs, chunk });
      this.queued++;
      if (queue.length === 1 && this.latencyMs === 0) pump();
      else if (!timer) timer = setTimeout(pump, Math.max(0, queue[0].due - Date.now()));
    });
    from.on('close', () => {
      clearTimeout(timer);
      this.queued -= queue.length;
      queue.length = 0;
    });
  }
}
