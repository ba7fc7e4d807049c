import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { sampleMatrix, SampleTestApp } from './support/sample-app';

/** Sends `head` on a raw socket and returns the status line and how long the server took to answer. */
function slowRequest(port: number, head: string): Promise<{ status: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1', () => socket.write(head));
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () =>
      resolve({ status: received.split('\r\n')[0], ms: Date.now() - started }),
    );
  });
}

describe.each(sampleMatrix().filter(([kind]) => kind === 'sqlite'))(
  'sample HTTP hardening on %s with %s',
  (kind, adapter) => {
    let t: SampleTestApp;
    let port: number;

    beforeAll(async () => {
      t = await SampleTestApp.start(kind, adapter, {
        HTTP_HEADERS_TIMEOUT: '1',
        HTTP_REQUEST_TIMEOUT: '2',
      });
      await t.app.listen(0, '127.0.0.1');
      port = (t.app.getHttpServer().address() as AddressInfo).port;
    });
    afterAll(() => t?.close());

    it('answers 408 and closes a connection whose headers never finish (HTTP_HEADERS_TIMEOUT)', async () => {
      const res = await slowRequest(port, 'GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: 1\r\n');
      expect(res.status).toBe('HTTP/1.1 408 Request Timeout');
      expect(res.ms).toBeGreaterThanOrEqual(900);
      expect(res.ms).toBeLessThan(3000);
    });

    it('answers 408 to a body that never finishes (HTTP_REQUEST_TIMEOUT)', async () => {
      const res = await slowRequest(
        port,
        'POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"em',
      );
      expect(res.status).toBe('HTTP/1.1 408 Request Timeout');
      expect(res.ms).toBeGreaterThanOrEqual(1900);
      expect(res.ms).toBeLessThan(4500);
    });
  },
);
