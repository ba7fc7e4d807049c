import { generateKeyPair, SignJWT } from 'jose';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SystemClock } from '../clock';
import { SignalRejectedError, SignalUnavailableError } from './signal.errors';
import { SignalVerifier } from './signal.verifier';
import type { NormalizedIssuer } from './signals.config';

const CHECK = { types: ['secevent+jwt'], maxAgeMs: 60_000, toleranceMs: 5_000 };

describe('SignalVerifier when the issuer keys cannot be had', () => {
  let server: Server;
  let base: string;

  beforeAll(async () => {
    server = createServer((_req, res) => {
      res.statusCode = 404;
      res.end('not here');
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((done) => server.close(() => done())));

  const token = async () => {
    const { privateKey } = await generateKeyPair('ES256');
    return new SignJWT({ events: {} })
      .setProtectedHeader({ alg: 'ES256', typ: 'secevent+jwt', kid: 'k' })
      .setIssuer('https://idp')
      .setAudience('api')
      .setIssuedAt()
      .setJti('j1')
      .sign(privateKey);
  };
  const trusted = (jwksUri: string) =>
    new Map<string, NormalizedIssuer>([
      [
        'https://idp',
        {
          issuer: 'https://idp',
          jwksUri: new URL(jwksUri),
          audience: ['api'],
          algorithms: ['ES256'],
        },
      ],
    ]);

  it.each([
    ['answers 404', () => `${base}/jwks`],
    ['is unreachable', () => 'http://127.0.0.1:1/jwks'],
  ])('is unavailable (retry later), not a rejection, when the JWKS %s', async (_what, url) => {
    const verifier = new SignalVerifier(new SystemClock());
    await expect(verifier.verify(await token(), trusted(url()), CHECK)).rejects.toBeInstanceOf(
      SignalUnavailableError,
    );
  });

  it('rejects an untrusted issuer before fetching anything', async () => {
    const verifier = new SignalVerifier(new SystemClock());
    const error = await verifier.verify(await token(), new Map(), CHECK).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SignalRejectedError);
    expect((error as SignalRejectedError).toJSON()).toEqual({
      err: 'invalid_issuer',
      description: 'The issuer is not trusted',
    });
  });
});
