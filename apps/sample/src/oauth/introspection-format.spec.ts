import { introspectionFormat } from './introspection-format';

describe('introspectionFormat', () => {
  const JWT = 'application/token-introspection+jwt';

  it.each([
    [undefined, true, 'json'],
    ['', true, 'json'],
    ['application/json', true, 'json'],
    ['*/*', true, 'json'],
    [JWT, true, 'jwt'],
    [`${JWT}, application/json;q=0.5`, true, 'jwt'],
    [`application/json, ${JWT};q=0.5`, true, 'json'],
    [`APPLICATION/TOKEN-INTROSPECTION+JWT`, true, 'jwt'],
    [`${JWT};q=0`, true, 'json'],
    [JWT, false, 'none'],
    [`${JWT}, application/json;q=0.1`, false, 'json'],
    [`${JWT}, */*;q=0.1`, false, 'json'],
    ['text/html', false, 'json'],
  ])('Accept %p (can sign: %p) -> %p', (accept, canSign, format) => {
    expect(introspectionFormat(accept, canSign)).toBe(format);
  });
});
