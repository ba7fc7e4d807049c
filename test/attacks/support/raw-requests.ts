import { connect } from 'node:net';
import { Target } from './target';

/**
 * Requests no HTTP client library would send: malformed framing, smuggling attempts, forbidden
 * bytes. Sent over a raw socket; each must be answered with one of `statuses` (or, where
 * `mayClose`, by closing the connection), never a 5xx or a stack trace.
 */
export interface RawAttack {
  source: string;
  title: string;
  raw(t: Target): string | Buffer;
  statuses: number[];
  mayClose?: boolean;
}

const head = (lines: string[]) => `${lines.join('\r\n')}\r\n\r\n`;
const bearerOf = (t: Target) => `Authorization: Bearer ${t.valid.token}`;

export const RAW_ATTACKS: RawAttack[] = [
  {
    source: 'RFC 9112 §6.1, §6.3 (request smuggling: CL.TE); CWE-444',
    title: 'Content-Length together with Transfer-Encoding: chunked',
    raw: () =>
      `POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\nGET /me HTTP/1.1\r\nHost: x\r\n\r\n`,
    statuses: [400],
    mayClose: true,
  },
  {
    source: 'RFC 9112 §6.3 (conflicting Content-Length); CWE-444',
    title: 'two different Content-Length values',
    raw: () =>
      `POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 30\r\nConnection: close\r\n\r\n{}`,
    statuses: [400],
    mayClose: true,
  },
  {
    source: 'RFC 9112 §7.1 (chunked coding)',
    title: 'an invalid chunk size and an obfuscated Transfer-Encoding',
    raw: () =>
      `POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: x\r\nConnection: close\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`,
    statuses: [400],
    mayClose: true,
  },
  {
    source: 'RFC 9112 §6.3 (Content-Length syntax)',
    title: 'a negative or non-numeric Content-Length',
    raw: () =>
      `POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: -1\r\nConnection: close\r\n\r\n{}`,
    statuses: [400],
    mayClose: true,
  },
  {
    source: 'RFC 9110 §5.5 (field values); CWE-93',
    title: 'NUL and other control characters in the Authorization value',
    raw: (t) =>
      Buffer.concat([
        Buffer.from(`GET /me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${t.valid.token}`),
        Buffer.from([0x00, 0x0b, 0x7f]),
        Buffer.from('\r\nConnection: close\r\n\r\n'),
      ]),
    statuses: [400, 401],
    mayClose: true,
  },
  {
    source: 'RFC 9112 §5.2 (obsolete line folding)',
    title: 'an Authorization header folded over two lines',
    raw: (t) => {
      const [h, p, s] = t.valid.token.split('.');
      return `GET /me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${h}.${p}\r\n .${s}\r\nConnection: close\r\n\r\n`;
    },
    statuses: [400, 401],
    mayClose: true,
  },
  {
    source: 'RFC 9112 §5.1 (field syntax)',
    title: 'a header line without a colon, and whitespace before the colon',
    raw: (t) =>
      head([
        'GET /me HTTP/1.1',
        'Host: x',
        `Authorization : Bearer ${t.valid.token}`,
        'this is not a header',
        'Connection: close',
      ]),
    statuses: [400],
    mayClose: true,
  },
  {
    source: 'RFC 9110 §5.5; RFC 8725 §3.7',
    title: 'non-ASCII bytes in the token',
    raw: (t) =>
      Buffer.concat([
        Buffer.from(
          `GET /me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${t.valid.token.slice(0, -4)}`,
        ),
        Buffer.from('é€😀', 'utf8'),
        Buffer.from('\r\nConnection: close\r\n\r\n'),
      ]),
    statuses: [400, 401],
    mayClose: true,
  },
  {
    source: 'RFC 9112 §3 (request line); RFC 9110 §15.6.6 (505)',
    title: 'unknown methods and versions, HTTP/0.9 and a missing version',
    raw: () => `FOO /me HTTP/7.3\r\nHost: x\r\nConnection: close\r\n\r\nGET /me\r\n\r\n`,
    statuses: [400, 404, 405, 501, 505],
    mayClose: true,
  },
  {
    source: 'RFC 9112 §3 (request line length); RFC 9110 §15.5.15 (414)',
    title: 'a 100 kB request target',
    raw: () => `GET /me?${'a'.repeat(100_000)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
    statuses: [400, 401, 414, 431],
    mayClose: true,
  },
  {
    source: 'RFC 9112 §3.2 (Host)',
    title: 'an HTTP/1.1 request without Host',
    raw: (t) => head(['GET /me HTTP/1.1', bearerOf(t), 'Connection: close']),
    statuses: [400],
    mayClose: true,
  },
  {
    source: 'RFC 9112 §3.2 (Host); CWE-444',
    title: 'two Host headers',
    raw: (t) =>
      head([
        'GET /me HTTP/1.1',
        'Host: a.example',
        'Host: b.example',
        bearerOf(t),
        'Connection: close',
      ]),
    statuses: [400],
  },
  {
    source: 'RFC 9112 §3.2.2 (absolute-form); OWASP WSTG-INPV-17 (host header injection)',
    title: 'an absolute-form target naming another host',
    raw: (t) =>
      head([
        'GET http://evil.example/me HTTP/1.1',
        'Host: evil.example',
        bearerOf(t),
        'Connection: close',
      ]),
    statuses: [200, 400, 404],
    mayClose: true,
  },
  {
    source: 'RFC 6750 §3.1; RFC 9110 §5.3',
    title: 'two Authorization headers on the wire, the second one valid',
    raw: (t) =>
      head([
        'GET /me HTTP/1.1',
        'Host: x',
        'Authorization: Basic dXNlcjpwYXNz',
        bearerOf(t),
        'Connection: close',
      ]),
    statuses: [400, 401],
  },
];

/** Sends `raw` on a new connection; the status of the first response (0 if closed without one). */
export async function sendRaw(
  address: { host: string; port: number },
  raw: string | Buffer,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(address.port, address.host);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(), 10_000);
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'ECONNRESET' && error.code !== 'EPIPE') reject(error);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      resolve({ status: status ? Number(status[1]) : 0, text });
    });
    socket.end(raw);
  });
}

export async function runRawAttack(attack: RawAttack, t: Target): Promise<void> {
  const { status, text } = await sendRaw(await t.address(), attack.raw(t));
  const allowed = attack.statuses.includes(status) || (attack.mayClose === true && status === 0);
  expect({ status, allowed }).toEqual({ status, allowed: true });
  expect(text).not.toMatch(/"stack"|node_modules|\.ts:\d+|\n\s+at /);
}
