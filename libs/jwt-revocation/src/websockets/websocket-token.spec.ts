import { selectSubprotocol, websocketBearerToken } from './websocket-token';

describe('websocketBearerToken', () => {
  it('reads the token of the bearer. subprotocol, wherever it is offered', () => {
    expect(websocketBearerToken('chat.v1, bearer.a.b.c')).toBe('a.b.c');
    expect(websocketBearerToken(['bearer.a.b.c', 'chat.v1'])).toBe('a.b.c');
  });

  it('answers undefined without one, and refuses two', () => {
    expect(websocketBearerToken(undefined)).toBeUndefined();
    expect(websocketBearerToken('chat.v1')).toBeUndefined();
    expect(websocketBearerToken('bearer.')).toBeUndefined();
    expect(() => websocketBearerToken('bearer.a.b.c, bearer.d.e.f')).toThrow('More than one');
  });
});

describe('selectSubprotocol', () => {
  it('answers with the first real subprotocol, never the token', () => {
    expect(selectSubprotocol(new Set(['bearer.a.b.c', 'chat.v1', 'chat.v2']))).toBe('chat.v1');
    expect(selectSubprotocol(new Set(['bearer.a.b.c']))).toBe(false);
  });
});
