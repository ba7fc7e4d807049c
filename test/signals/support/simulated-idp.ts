import {
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  jwtVerify,
  SignJWT,
  type JWK,
  type JWTPayload,
} from 'jose';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

type SigningKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

const listen = (server: Server) =>
  new Promise<string>((done) =>
    server.listen(0, '127.0.0.1', () =>
      done(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    ),
  );
const stop = (server: Server) =>
  new Promise<void>((done) => {
    server.closeAllConnections();
    server.close(() => done());
  });

/** An IdP / SSF transmitter with its own key pair and JWKS served over HTTP (port 0). */
export class SimulatedIdp {
  private constructor(
    readonly issuer: string,
    readonly jwksUrl: string,
    private readonly privateKey: SigningKey,
    private readonly server: Server,
  ) {}

  static async start(): Promise<SimulatedIdp> {
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk: JWK = {
      ...(await exportJWK(publicKey)),
      kid: 'idp-key-1',
      alg: 'ES256',
      use: 'sig',
    };
    const server = createServer((_req, res) => {
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    const base = await listen(server);
    return new SimulatedIdp(`${base}/realms/test`, `${base}/jwks`, privateKey, server);
  }

  close(): Promise<void> {
    return stop(this.server);
  }

  /** A logout token (OIDC Back-Channel Logout §2.4), with `claims` added or overriding. */
  logoutToken(
    audience: string,
    claims: JWTPayload = {},
    header: Record<string, unknown> = {},
  ): Promise<string> {
    return this.sign(
      {
        iss: this.issuer,
        aud: audience,
        iat: Math.floor(Date.now() / 1000),
        exp: Math.floor(Date.now() / 1000) + 120,
        jti: randomBytes(12).toString('hex'),
        events: { 'http://schemas.openid.net/event/backchannel-logout': {} },
        ...claims,
      },
      { typ: 'logout+jwt', ...header },
    );
  }

  /** A SET (RFC 8417) of one event about `subId`. */
  set(
    audience: string,
    event: string,
    subId: object,
    claims: JWTPayload = {},
    header: Record<string, unknown> = {},
  ): Promise<string> {
    return this.sign(
      {
        iss: this.issuer,
        aud: audience,
        iat: Math.floor(Date.now() / 1000),
        jti: randomBytes(12).toString('hex'),
        sub_id: subId,
        events: { [event]: { event_timestamp: Math.floor(Date.now() / 1000) } },
        ...claims,
      },
      { typ: 'secevent+jwt', ...header },
    );
  }

  private sign(payload: JWTPayload, header: Record<string, unknown>): Promise<string> {
    return new SignJWT(payload)
      .setProtectedHeader({ alg: 'ES256', kid: 'idp-key-1', ...header })
      .sign(this.privateKey);
  }

  /** The same claims signed by a key the IdP never published. */
  static async forged(payload: JWTPayload, header: Record<string, unknown>): Promise<string> {
    const { privateKey } = await generateKeyPair('ES256');
    return new SignJWT(payload)
      .setProtectedHeader({ alg: 'ES256', kid: 'idp-key-1', ...header })
      .sign(privateKey);
  }
}

/** `alg: none`: the claims with no signature at all. */
export function unsigned(payload: object, typ: string): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ })}.${part(payload)}.`;
}

/** The claims of a JWT, unverified. */
export function payloadOf(token: string): JWTPayload {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as JWTPayload;
}

/** An RFC 8935 push receiver on port 0 that can be taken down (503) and back up. */
export class SimulatedReceiver {
  readonly received: string[] = [];
  up = true;
  private constructor(
    readonly url: string,
    private readonly server: Server,
  ) {}

  static async start(): Promise<SimulatedReceiver> {
    const holder: { receiver?: SimulatedReceiver } = {};
    const server = createServer(async (req: IncomingMessage, res) => {
      const body = await new Promise<string>((done) => {
        let data = '';
        req.on('data', (chunk) => (data += chunk));
        req.on('end', () => done(data));
      });
      const receiver = holder.receiver!;
      if (!receiver.up) {
        res.statusCode = 503;
        return res.end();
      }
      if (req.headers['content-type'] !== 'application/secevent+jwt') {
        res.statusCode = 400;
        res.setHeader('Content-Type', 'application/json');
        return res.end(JSON.stringify({ err: 'invalid_request', description: 'content type' }));
      }
      receiver.received.push(body);
      res.statusCode = 202;
      res.end();
    });
    const base = await listen(server);
    holder.receiver = new SimulatedReceiver(`${base}/ssf/push`, server);
    return holder.receiver;
  }

  close(): Promise<void> {
    return stop(this.server);
  }

  /** Every SET received, verified with jose against `jwks`; distinct by jti. */
  async verified(
    jwks: { keys: JWK[] },
    issuer: string,
    audience: string,
  ): Promise<Map<string, JWTPayload>> {
    const keys = createLocalJWKSet(jwks);
    const byJti = new Map<string, JWTPayload>();
    for (const token of this.received) {
      const { payload } = await jwtVerify(token, keys, { issuer, audience, typ: 'secevent+jwt' });
      byJti.set(payload.jti!, payload);
    }
    return byJti;
  }
}
