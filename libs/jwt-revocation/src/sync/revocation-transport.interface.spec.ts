import { parseRevocationMessage } from './revocation-transport.interface';

describe('parseRevocationMessage', () => {
  const change = { seq: 3, kind: 'user', target: 'u1', version: 2, expiresAt: 0 };

  it('keeps the time a wholesale revocation carries', () => {
    const body = JSON.stringify({ v: 1, at: 9_000, changes: [{ ...change, at: 5_000 }] });
    expect(parseRevocationMessage(body)?.changes).toEqual([{ ...change, at: 5_000 }]);
  });

  it("dates a wholesale revocation without a time by the sender's clock, which is later", () => {
    const jti = { seq: 4, kind: 'jti', target: 'j', version: 0, expiresAt: 7_000 };
    const body = JSON.stringify({ v: 1, at: 9_000, changes: [change, jti] });
    expect(parseRevocationMessage(body)?.changes).toEqual([{ ...change, at: 9_000 }, jti]);
  });

  it('refuses a message whose time is not a number', () => {
    const body = JSON.stringify({ v: 1, at: 9_000, changes: [{ ...change, at: 'soon' }] });
    expect(parseRevocationMessage(body)).toBeUndefined();
    expect(parseRevocationMessage('{')).toBeUndefined();
  });
});
