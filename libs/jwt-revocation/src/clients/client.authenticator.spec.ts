import { hashClientSecret } from './client-secret.hasher';
import { ClientAuthenticator } from './client.authenticator';
import {
  InvalidClientException,
  OAuthInvalidRequestException,
  UnauthorizedClientException,
} from './client.exceptions';
import { ClientRegistry } from './client.registry';

/** RFC 6749 §2.3.1 Basic credentials: each part form-urlencoded, then joined and base64-encoded. */
function basic(id: string, secret: string): string {
  const encode = (value: string) => new URLSearchParams({ v: value }).toString().slice(2);
  return `Basic ${Buffer.from(`${encode(id)}:${encode(secret)}`).toString('base64')}`;
}

describe('ClientAuthenticator', () => {
  const SECRET = 'a secret+with:reserved%chars/é';
  let authenticator: ClientAuthenticator;

  beforeAll(async () => {
    const registry = new ClientRegistry([
      { clientId: 'web' },
      { clientId: 'api:rs 1', secretHash: await hashClientSecret(SECRET), introspection: true },
      { clientId: 'no-revoke', secretHash: await hashClientSecret(SECRET), revocation: false },
    ]);
    authenticator = new ClientAuthenticator(registry);
  });

  const request = (body: object, authorization?: string) => ({
    headers: authorization === undefined ? {} : { authorization },
    body,
  });

  async function failure(promise: Promise<unknown>): Promise<unknown> {
    try {
      await promise;
    } catch (error) {
      return error;
    }
    throw new Error('expected a failure');
  }

  it('accepts client_secret_basic with form-urlencoded id and secret', async () => {
    const result = await authenticator.authenticate(
      request({}, basic('api:rs 1', SECRET)),
      'introspection',
    );
    expect(result.client.clientId).toBe('api:rs 1');
    expect(result.method).toBe('client_secret_basic');
  });

  it('accepts client_secret_post and a public client identified by client_id', async () => {
    const post = await authenticator.authenticate(
      request({ client_id: 'api:rs 1', client_secret: SECRET }),
      'revocation',
    );
    expect(post.method).toBe('client_secret_post');
    const open = await authenticator.authenticate(request({ client_id: 'web' }), 'revocation');
    expect(open).toMatchObject({ method: 'none', client: { clientId: 'web' } });
  });

  it('answers invalid_client with a Basic challenge to wrong or malformed Basic credentials', async () => {
    for (const header of [
      basic('api:rs 1', 'wrong'),
      basic('nobody', SECRET),
      basic('web', 'anything'),
      'Basic !!!',
      `Basic ${Buffer.from('no-colon').toString('base64')}`,
      `Basic ${Buffer.from('%zz:secret').toString('base64')}`,
      'Basic',
    ]) {
      const error = await failure(authenticator.authenticate(request({}, header), 'revocation'));
      expect(error).toBeInstanceOf(InvalidClientException);
      expect((error as InvalidClientException).getStatus()).toBe(401);
      expect((error as InvalidClientException).getResponse()).toMatchObject({
        error: 'invalid_client',
      });
      expect((error as InvalidClientException).challenge).toMatch(/^Basic realm=/);
    }
  });

  it('answers invalid_client without a challenge to failed form authentication', async () => {
    for (const body of [
      { client_id: 'api:rs 1', client_secret: 'wrong' },
      { client_id: 'nobody', client_secret: SECRET },
      { client_id: 'api:rs 1' },
      { client_id: 'nobody' },
      { client_id: 'web', client_secret: 'anything' },
      {},
    ]) {
      const error = await failure(authenticator.authenticate(request(body), 'revocation'));
      expect(error).toBeInstanceOf(InvalidClientException);
      expect((error as InvalidClientException).challenge).toBeUndefined();
    }
  });

  it('refuses two authentication methods and malformed fields with invalid_request', async () => {
    for (const req of [
      request({ client_id: 'api:rs 1', client_secret: SECRET }, basic('api:rs 1', SECRET)),
      request({ client_id: 'web' }, basic('api:rs 1', SECRET)),
      request({ client_id: ['a', 'b'] }),
      request({ client_id: 'web', client_secret: '' }),
    ]) {
      const error = await failure(authenticator.authenticate(req, 'revocation'));
      expect(error).toBeInstanceOf(OAuthInvalidRequestException);
    }
  });

  it('answers unauthorized_client to a client without the right', async () => {
    const noIntrospection = await failure(
      authenticator.authenticate(request({ client_id: 'web' }), 'introspection'),
    );
    expect(noIntrospection).toBeInstanceOf(UnauthorizedClientException);
    const noRevocation = await failure(
      authenticator.authenticate(request({}, basic('no-revoke', SECRET)), 'revocation'),
    );
    expect(noRevocation).toBeInstanceOf(UnauthorizedClientException);
  });

  it('tells whether a request names a client at all', () => {
    expect(authenticator.presentsClient(request({ token: 'x' }))).toBe(false);
    expect(authenticator.presentsClient(request({ token: 'x' }, 'Bearer abc'))).toBe(false);
    expect(authenticator.presentsClient(request({ client_id: 'web' }))).toBe(true);
    expect(authenticator.presentsClient(request({}, basic('web', 'x')))).toBe(true);
    expect(authenticator.presentsClient({ headers: {}, body: undefined })).toBe(false);
  });
});
