import { validateJwtRevocationOptions } from '../jwt-revocation.config';
import { ClientRegistry, DEFAULT_CLIENT_ID } from './client.registry';

const SHA = `sha256:${'A'.repeat(43)}`;

describe('ClientRegistry', () => {
  it('defaults to one public first-party client that may revoke and refresh', () => {
    const registry = new ClientRegistry();
    expect(registry.defaultClientId).toBe(DEFAULT_CLIENT_ID);
    expect(registry.all()).toEqual([
      {
        clientId: DEFAULT_CLIENT_ID,
        type: 'public',
        grantTypes: ['refresh_token'],
        revocation: true,
        introspection: false,
      },
    ]);
    expect(registry.authMethodsFor('revocation')).toEqual(['none']);
    expect(registry.authMethodsFor('introspection')).toEqual([]);
  });

  it('applies defaults, reads rights and names the client of a token', () => {
    const registry = new ClientRegistry(
      [
        { clientId: 'web' },
        { clientId: 'api', secretHash: SHA, introspection: true, revocation: false },
        { clientId: 'batch', secretHash: SHA, grantTypes: [] },
      ],
      'web',
    );
    expect(registry.find('api')).toMatchObject({ type: 'confidential', introspection: true });
    expect(registry.find('web')).toMatchObject({ type: 'public', revocation: true });
    expect(registry.find('nobody')).toBeUndefined();
    expect(registry.find(42)).toBeUndefined();
    expect(registry.clientIdOf({ client_id: 'api' })).toBe('api');
    expect(registry.clientIdOf({})).toBe('web');
    expect(registry.allowsGrant('web', 'refresh_token')).toBe(true);
    expect(registry.allowsGrant('batch', 'refresh_token')).toBe(false);
    expect(registry.allowsGrant('nobody', 'refresh_token')).toBe(false);
    expect(registry.authMethodsFor('revocation')).toEqual([
      'client_secret_basic',
      'client_secret_post',
      'none',
    ]);
    expect(registry.authMethodsFor('introspection')).toEqual([
      'client_secret_basic',
      'client_secret_post',
    ]);
    expect(Object.isFrozen(registry.find('api'))).toBe(true);
  });

  it.each([
    ['an empty list', [], undefined, /non-empty array/],
    ['an empty clientId', [{ clientId: '' }], undefined, /clientId/],
    ['a control character in clientId', [{ clientId: 'a\nb' }], undefined, /clientId/],
    ['a duplicate', [{ clientId: 'a' }, { clientId: 'a' }], undefined, /duplicate/],
    [
      'a confidential client without a hash',
      [{ clientId: 'a', type: 'confidential' }],
      undefined,
      /secretHash/,
    ],
    ['a plain secret as hash', [{ clientId: 'a', secretHash: 'hunter2' }], undefined, /secretHash/],
    [
      'a public client with a hash',
      [{ clientId: 'a', type: 'public', secretHash: SHA }],
      undefined,
      /public/,
    ],
    [
      'a public client that introspects',
      [{ clientId: 'a', introspection: true }],
      undefined,
      /confidential/,
    ],
    ['a non-boolean right', [{ clientId: 'a', revocation: 'yes' }], undefined, /true or false/],
    ['bad grant types', [{ clientId: 'a', grantTypes: 'refresh_token' }], undefined, /grantTypes/],
    ['an unknown default client', [{ clientId: 'a' }], 'b', /defaultClientId/],
  ])('refuses %s', (_, clients, defaultClientId, error) => {
    expect(() => new ClientRegistry(clients as never, defaultClientId)).toThrow(error);
  });

  it('is checked with the module options', () => {
    const secret = 'k9#Qz!v2@Lr7$Wm4%Tn8^Yp1&Xs6*Bd3';
    expect(() =>
      validateJwtRevocationOptions({ secret, clients: [{ clientId: 'web' }] }),
    ).not.toThrow();
    expect(() =>
      validateJwtRevocationOptions({ secret, clients: [{ clientId: 'web', secretHash: 'x' }] }),
    ).toThrow(/secretHash/);
    expect(() => validateJwtRevocationOptions({ secret, defaultClientId: 'other' })).not.toThrow();
  });
});
