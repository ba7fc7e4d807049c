import type { Server } from 'node:http';
import { get } from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { NOTIFICATIONS_PROTOCOL } from '../../../apps/sample/src/live/notifications.gateway';
import type { SampleTestApp } from './sample-app';

export { within } from '../../support/until';

/** Makes the app listen on an ephemeral loopback port (WebSockets need a real server); returns its port. */
export async function listen(t: SampleTestApp): Promise<number> {
  const server = t.app.getHttpServer() as Server;
  if (!server.listening) {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  }
  return (server.address() as AddressInfo).port;
}

export interface Closed {
  code: number;
  reason: string;
}

/** A client socket with every message it received and how it ended. */
export class LiveSocketClient {
  readonly messages: { event: string; data: unknown }[] = [];
  readonly closed: Promise<Closed>;
  /** Resolves with the first message, or rejects if the socket closes first. */
  readonly ready: Promise<{ event: string; data: unknown }>;

  private constructor(readonly socket: WebSocket) {
    this.closed = new Promise((resolve) =>
      socket.once('close', (code, reason) => resolve({ code, reason: reason.toString('utf8') })),
    );
    this.ready = new Promise((resolve, reject) => {
      socket.on('message', (data) => {
        const message = JSON.parse(String(data)) as { event: string; data: unknown };
        this.messages.push(message);
        if (this.messages.length === 1) resolve(message);
      });
      void this.closed.then((closed) =>
        reject(new Error(`closed ${closed.code} ${closed.reason}`)),
      );
    });
    this.ready.catch(() => undefined);
  }

  /** Opens `/live/notifications` offering the token (if any) as the `bearer.` subprotocol. */
  static open(port: number, token?: string, protocols = [NOTIFICATIONS_PROTOCOL]) {
    const offered = token === undefined ? protocols : [...protocols, `bearer.${token}`];
    return new LiveSocketClient(
      new WebSocket(`ws://127.0.0.1:${port}/live/notifications`, offered),
    );
  }

  send(event: string, data?: unknown): void {
    this.socket.send(JSON.stringify({ event, data }));
  }

  /** The next message named `event`. */
  next(event: string, timeoutMs = 2000): Promise<{ event: string; data: unknown }> {
    const started = Date.now();
    return new Promise((resolve, reject) => {
      const poll = () => {
        const found = this.messages.find((message) => message.event === event);
        if (found) return resolve(found);
        if (Date.now() - started > timeoutMs) return reject(new Error(`no ${event} message`));
        setTimeout(poll, 5);
      };
      poll();
    });
  }

  terminate(): void {
    this.socket.terminate();
  }
}

/** An `EventSource`-like reader of `GET /me/events`. */
export class SseClient {
  status = 0;
  body = '';
  readonly ended: Promise<void>;
  private abort?: () => void;

  constructor(port: number, token: string | undefined) {
    this.ended = new Promise((resolve, reject) => {
      const headers: Record<string, string> = { Accept: 'text/event-stream' };
      if (token !== undefined) headers.Authorization = `Bearer ${token}`;
      const request = get({ host: '127.0.0.1', port, path: '/me/events', headers }, (response) => {
        this.status = response.statusCode ?? 0;
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (this.body += chunk));
        response.on('end', () => resolve());
        response.on('error', reject);
      });
      request.on('error', reject);
      this.abort = () => request.destroy();
    });
    this.ended.catch(() => undefined);
  }

  /** The `event:` names received so far, in order. */
  get events(): string[] {
    return [...this.body.matchAll(/^event: (.+)$/gm)].map((match) => match[1]);
  }

  close(): void {
    this.abort?.();
  }
}
