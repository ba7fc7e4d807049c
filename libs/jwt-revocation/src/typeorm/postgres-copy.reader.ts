import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { to as copyTo } from 'pg-copy-streams';
import type { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import type { RevocationChange } from '../storage/revocation-store.interface';

/** The part of a `pg` client used here. */
interface CopyClient {
  query(text: string): Promise<unknown>;
  query<T>(stream: T): T;
  on(event: 'error', listener: (error: Error) => void): unknown;
  removeListener(event: 'error', listener: (error: Error) => void): unknown;
  connectionParameters?: { query_timeout?: number };
}
type Release = (error?: Error) => void;
/** What `pg` leaves on a submitted stream when `query_timeout` is set: the call that disarms it. */
type Submitted = Readable & { callback?: () => void };

/** COPY's text format escapes these in a value (it never emits octal or hex escapes). */
const UNESCAPED: Record<string, string> = {
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
};

/**
 * Streams `SELECT seq, kind, target, expires_at ...` (the `select` given) out of Postgres with
 * `COPY ... TO STDOUT`, in batches of up to `batchSize` changes. One statement sees one snapshot,
 * the server formats rows at the cost of a plain scan (aggregating them into one value per page
 * costs it twice as much), and TCP back-pressure holds the server while the consumer works.
 * A consumer that stops early costs the connection: it is closed, since a COPY cannot be
 * interrupted politely, and the pool opens another. The pool's `query_timeout`, if any, bounds
 * each wait for data rather than the whole COPY, which may take longer than any single query; for
 * the same reason a server-side `statement_timeout` (set to bound requests) is lifted for the COPY
 * and restored after it.
 */
export async function* copyChanges(
  dataSource: DataSource,
  select: string,
  batchSize: number,
): AsyncGenerator<RevocationChange[]> {
  const driver = dataSource.driver as PostgresDriver;
  const [client, release] = (await driver.obtainMasterConnection()) as [CopyClient, Release];
  // A connection lost mid-COPY fails the stream; without a listener it would also crash the process.
  let lost: Error | undefined;
  const onError = (error: Error) => (lost = error);
  client.on('error', onError);
  let stream: Submitted | undefined;
  let finished = false;
  try {
    await client.query('SET statement_timeout = 0');
    stream = client.query(copyTo(`COPY (${select}) TO STDOUT`)) as Submitted;
    // pg arms query_timeout for the whole query and disarms it only through this callback, which
    // pg-copy-streams never calls: left armed, it fails a long COPY mid-stream, or fires after it.
    stream.callback?.();
    const decoder = new StringDecoder('utf8');
    let rest = '';
    let batch: RevocationChange[] = [];
    for await (const chunk of readWithin(stream, client.connectionParameters?.query_timeout)) {
      const text = rest + decoder.write(chunk);
      let at = 0;
      for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n', at)) {
        batch.push(parseCopyLine(text, at, end));
        at = end + 1;
        if (batch.length === batchSize) {
          yield batch;
          batch = [];
        }
      }
      rest = text.slice(at);
    }
    if (batch.length > 0) yield batch;
    // Back to the connection's own setting (from its startup parameters) before the pool reuses it.
    await client.query('RESET statement_timeout');
    finished = true;
  } finally {
    client.removeListener('error', onError);
    if (!finished) stream?.destroy();
    release(finished ? undefined : (lost ?? new Error('snapshot abandoned during COPY')));
  }
}

/** The stream's chunks; waiting longer than `timeoutMs` for the next one destroys it with an error. */
async function* readWithin(stream: Readable, timeoutMs?: number): AsyncGenerator<Buffer> {
  const chunks = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  for (;;) {
    const timer = timeoutMs
      ? setTimeout(
          () => stream.destroy(new Error(`COPY read timeout: no data for ${timeoutMs} ms`)),
          timeoutMs,
        )
      : undefined;
    let next: IteratorResult<Buffer>;
    try {
      next = await chunks.next();
    } finally {
      clearTimeout(timer);
    }
    if (next.done) return;
    yield next.value;
  }
}

/** One `seq \t kind \t target \t expires_at` line of COPY text output, `text[from, end)`. */
function parseCopyLine(text: string, from: number, end: number): RevocationChange {
  const a = text.indexOf('\t', from);
  const b = text.indexOf('\t', a + 1);
  const c = text.lastIndexOf('\t', end);
  const target = text.slice(b + 1, c);
  return {
    seq: Number(text.slice(from, a)),
    kind: text.slice(a + 1, b) as RevocationChange['kind'],
    target: target.includes('\\') ? unescapeCopyText(target) : target,
    version: 0,
    expiresAt: Number(text.slice(c + 1, end)),
  };
}

function unescapeCopyText(value: string): string {
  return value.replace(/\\(.)/gs, (_, c: string) => UNESCAPED[c] ?? c);
}
