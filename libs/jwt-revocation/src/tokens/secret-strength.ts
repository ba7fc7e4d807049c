/** A random 32-byte secret has ~27 distinct bytes, as hex 16; fewer than this is a pattern, not a key. */
const MIN_DISTINCT_BYTES = 10;
/** What must remain of a secret once the well-known example secrets are taken out of it. */
const MIN_UNCOMMON_BYTES = 16;

/** Secrets copied from tutorials, jwt.io and framework templates, longest first. */
const EXAMPLE_SECRETS = [
  'your-512-bit-secret',
  'your-384-bit-secret',
  'your-256-bit-secret',
  'your_jwt_secret',
  'keyboard cat',
  'supersecret',
  'super-secret',
  'secret-key',
  'secretkey',
  'jwt-secret',
  'jwt_secret',
  'jwtsecret',
  'change-me',
  'change_me',
  'changeme',
  'changeit',
  'mysecret',
  'password',
  'default',
  'example',
  'shhhhh',
  'secret',
  'token',
  'test',
];

/** How to make a good secret, for error messages. */
export const SECRET_ADVICE =
  'generate one with `openssl rand -base64 48` or ' +
  `\`node -e "console.log(require('crypto').randomBytes(48).toString('base64url'))"\``;

/**
 * Why an HS256 secret is obviously weak, or undefined. Catches what length alone lets through:
 * few distinct bytes (`'a'` x 32), a short pattern repeated (`'secret'` x 6) and secrets made of
 * well-known examples (`'your-256-bit-secret'`). A heuristic, not an entropy estimate.
 */
export function weakSecretReason(secret: Buffer): string | undefined {
  const distinct = new Set(secret).size;
  if (distinct < MIN_DISTINCT_BYTES) {
    return `it has only ${distinct} distinct bytes (at least ${MIN_DISTINCT_BYTES} expected)`;
  }
  const period = smallestPeriod(secret);
  if (period <= secret.length / 2) {
    return `it repeats a pattern of ${period} bytes`;
  }
  let rest = secret.toString('latin1').toLowerCase();
  for (const example of EXAMPLE_SECRETS) rest = rest.split(example).join('');
  rest = rest.replace(/[\s\-_.:;,!?#*+=/\\]/g, '');
  if (rest.length < MIN_UNCOMMON_BYTES) {
    return 'it is made of well-known example secrets';
  }
  return undefined;
}

/** The smallest p such that every byte equals the one p before it (KMP failure function, O(n)). */
function smallestPeriod(bytes: Buffer): number {
  const border = new Array<number>(bytes.length).fill(0);
  for (let i = 1, k = 0; i < bytes.length; i++) {
    while (k > 0 && bytes[i] !== bytes[k]) k = border[k - 1];
    if (bytes[i] === bytes[k]) k++;
    border[i] = k;
  }
  return bytes.length - (border[bytes.length - 1] ?? 0);
}
