import type { AbstractHttpAdapter } from '@nestjs/core';

/**
 * The refresh token of a browser session. `__Host-` makes the browser refuse the cookie unless it
 * is `Secure`, has no `Domain` and has `Path=/`, so no sibling subdomain can plant or overwrite it.
 * The prefix forbids narrowing `Path` to the refresh route (Chromium drops such a cookie); the
 * cookie is `HttpOnly` and `SameSite=Strict`, and only the `/auth/session` routes read it.
 * Browsers accept `Secure` cookies from http://localhost and 127.0.0.1, so local development works.
 */
export const SESSION_COOKIE = '__Host-sample-refresh';

type RequestLike = { headers: Record<string, string | string[] | undefined> };

/** The refresh token in the request's cookie, if any. */
export function readSessionCookie(request: RequestLike): string | undefined {
  const header = request.headers.cookie;
  if (typeof header !== 'string') return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) {
      const value = part.slice(eq + 1).trim();
      return value === '' ? undefined : value;
    }
  }
  return undefined;
}

/** Sets (or, without a token, clears) the session cookie on the response of either adapter. */
export function writeSessionCookie(
  adapter: AbstractHttpAdapter,
  response: unknown,
  refresh: { token: string; maxAgeSeconds: number } | null,
): void {
  const value = refresh ? refresh.token : '';
  const maxAge = refresh ? Math.max(0, Math.floor(refresh.maxAgeSeconds)) : 0;
  adapter.setHeader(
    response,
    'Set-Cookie',
    `${SESSION_COOKIE}=${value}; Path=/; Max-Age=${maxAge}; HttpOnly; Secure; SameSite=Strict`,
  );
}
