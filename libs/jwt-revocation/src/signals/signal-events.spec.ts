import { describeSubject, parseSubject } from './signal-events';

describe('parseSubject (RFC 9493)', () => {
  it.each([
    [{ format: 'email', email: 'ada@example.com' }],
    [{ format: 'iss_sub', iss: 'https://idp', sub: '123' }],
    [{ format: 'opaque', id: 'abc' }],
    [{ format: 'phone_number', phone_number: '+1 555' }],
  ])('accepts %j', (subject) => {
    expect(parseSubject(subject)).toEqual(subject);
  });

  it('reads complex subjects and the pre-SSF 1.0 subject_type / iss-sub spelling', () => {
    expect(
      parseSubject({
        format: 'complex',
        user: { subject_type: 'iss-sub', iss: 'https://idp', sub: '1' },
        session: { format: 'opaque', id: 's' },
      }),
    ).toEqual({
      format: 'complex',
      user: { format: 'iss_sub', iss: 'https://idp', sub: '1' },
      session: { format: 'opaque', id: 's' },
    });
  });

  it.each([
    [null],
    ['ada@example.com'],
    [[{ format: 'email', email: 'a@b' }]],
    [{ format: 'email' }],
    [{ format: 'email', email: '' }],
    [{ format: 'iss_sub', iss: 'https://idp' }],
    [{ format: 'opaque', id: 42 }],
    [{ format: 'complex' }],
    [{ format: 'complex', user: { format: 'email' } }],
    [{ format: 'complex', user: { format: 'complex', user: { format: 'opaque', id: 'x' } } }],
    [{ email: 'a@b' }],
  ])('refuses %j', (subject) => {
    expect(parseSubject(subject)).toBeUndefined();
  });

  it('prints subjects for the audit trail', () => {
    expect(
      describeSubject({
        format: 'complex',
        user: { format: 'email', email: 'ada@example.com' },
        session: { format: 'opaque', id: 's1' },
      }),
    ).toBe('email:ada@example.com + opaque:s1');
  });
});
