import { readEventStream, StreamEvent } from './event-stream.js';

/** Sent with every request: the server refuses cookie-authenticated requests without it (CSRF). */
const CSRF_HEADERS = { 'X-Requested-With': 'fetch' };

/** Refresh this long before the access token expires. */
const REFRESH_EARLY_MS = 30_000;
const MAX_RETRY_MS = 30_000;

/** A refused API call, with the JSON error the server answered. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(String(body.message ?? body.error_description ?? body.error ?? `HTTP ${status}`));
  }
}

/** The session is over (revoked, expired or signed out); `reason` says why. */
export class SessionEnded extends Error {
  constructor(readonly reason: string) {
    super(`Session ended: ${reason}`);
  }
}

export interface AccessClaims {
  sub: string;
  sid: string;
  roles: string[];
  exp: number;
}

interface TokenResponse {
  access_token: string;
  expires_in: number;
}

interface Watch {
  path: string;
  onEvent: (event: StreamEvent) => void;
  controller: AbortController;
}

const REASONS: Record<string, string> = {
  signed_out: 'You signed out.',
  no_session: 'You were signed out.',
  logout: 'This device was signed out from another session.',
  logout_all: 'You were signed out on every device.',
  password_change: 'Your password was changed. Sign in with the new one.',
  role_change: 'Your roles changed. Sign in again.',
  account_suspended: 'Your account was suspended.',
  account_deleted: 'Your account was deleted.',
  expired: 'Your session expired. Sign in again.',
  session_timeout: 'Your session expired. Sign in again.',
  compromised: 'An administrator ended this session.',
  admin: 'An administrator ended this session.',
  suspicious_activity: 'This session was ended after suspicious activity.',
  refresh_reuse: 'This session was ended after suspicious activity.',
};

/** What the sign-in form says about a session that ended for `reason`. */
export function describeEnd(reason: string): string {
  return REASONS[reason] ?? 'Your session ended. Sign in again.';
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function readJson<T>(response: Response): Promise<T> {
  const text = await response.text();
  const body = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
  if (!response.ok) throw new ApiError(response.status, body);
  return body as T;
}

/**
 * A page's session. The access token lives in this object only; the refresh token in an HttpOnly
 * cookie that page scripts cannot read. The session refreshes itself before the token expires and
 * when a call is refused with 401; when the server refuses the refresh, the session has ended
 * elsewhere and `onEnded` is called with the reason.
 */
export class BrowserSession {
  private accessToken: string | null = null;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  private refreshing: Promise<void> | null = null;
  private watching: Watch | null = null;

  constructor(private readonly onEnded: (reason: string) => void) {}

  get claims(): AccessClaims | null {
    if (!this.accessToken) return null;
    const payload = this.accessToken.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(atob(payload)) as AccessClaims;
  }

  async signIn(email: string, password: string): Promise<void> {
    const response = await fetch('/auth/session', {
      method: 'POST',
      headers: { ...CSRF_HEADERS, 'Content-Type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    this.accept(await readJson<TokenResponse>(response));
  }

  /** Picks up the session the cookie holds; resolves with why there is none, or null. */
  async resume(): Promise<string | null> {
    try {
      await this.refresh(false);
      return null;
    } catch (error) {
      if (error instanceof SessionEnded) return error.reason;
      throw error;
    }
  }

  /** Rotates the cookie for a new access token (one request at a time). */
  refresh(notify = true): Promise<void> {
    this.refreshing ??= this.rotate(notify).finally(() => (this.refreshing = null));
    return this.refreshing;
  }

  /** Calls the JSON API with the access token, refreshing it once if it was refused. */
  async api<T>(method: string, path: string, body?: unknown): Promise<T> {
    let response = await this.send(method, path, body);
    if (response.status === 401) {
      await this.refresh();
      response = await this.send(method, path, body);
    }
    return readJson<T>(response);
  }

  /** Changes the password: every other session ends; this one goes on with new tokens. */
  async changePassword(currentPassword: string, newPassword: string): Promise<void> {
    // The change revokes the tokens the live stream runs on: reconnect with the new ones instead.
    const watch = this.pauseWatching();
    try {
      this.accept(
        await this.api<TokenResponse>('POST', '/auth/session/password', {
          current_password: currentPassword,
          new_password: newPassword,
        }),
      );
    } finally {
      if (watch && this.accessToken) this.watch(watch.path, watch.onEvent);
    }
  }

  async signOut(): Promise<void> {
    const watch = this.pauseWatching();
    try {
      await readJson(
        await fetch('/auth/session/logout', { method: 'POST', headers: CSRF_HEADERS }),
      );
    } catch (error) {
      if (watch && this.accessToken) this.watch(watch.path, watch.onEvent);
      throw error;
    }
    this.end('signed_out');
  }

  /** Ends every session of the user, this one included. */
  async signOutEverywhere(): Promise<void> {
    const watch = this.pauseWatching();
    try {
      await this.api('POST', '/auth/logout-all');
    } catch (error) {
      if (watch && this.accessToken) this.watch(watch.path, watch.onEvent);
      throw error;
    }
    await fetch('/auth/session/logout', { method: 'POST', headers: CSRF_HEADERS });
    this.end('logout_all');
  }

  /** Ends the session on this page without asking the server (it has ended already). */
  end(reason: string): void {
    const wasActive = this.accessToken !== null;
    this.accessToken = null;
    clearTimeout(this.refreshTimer);
    this.pauseWatching();
    if (wasActive) this.onEnded(reason);
  }

  /**
   * Follows a Server-Sent Events stream that the server ends when the token is revoked or
   * expires: then the session refreshes (ending here, with the reason, when it was revoked) and
   * reconnects. Network failures reconnect with backoff.
   */
  watch(path: string, onEvent: (event: StreamEvent) => void = () => undefined): void {
    this.pauseWatching();
    const watch = { path, onEvent, controller: new AbortController() };
    this.watching = watch;
    void this.follow(watch);
  }

  private pauseWatching(): Watch | null {
    const watch = this.watching;
    watch?.controller.abort();
    this.watching = null;
    return watch;
  }

  private async follow(watch: Watch): Promise<void> {
    const { signal } = watch.controller;
    let failures = 0;
    while (!signal.aborted && this.accessToken) {
      let final: string | undefined;
      try {
        const response = await fetch(watch.path, {
          headers: { Authorization: `Bearer ${this.accessToken}`, Accept: 'text/event-stream' },
          signal,
        });
        if (response.status === 401) {
          // An expired token: refresh and reconnect at once, but back off if it keeps happening.
          await this.refresh();
          if (failures++ > 0) await sleep(Math.min(MAX_RETRY_MS, 500 * 2 ** failures));
          continue;
        }
        if (!response.ok) throw new ApiError(response.status, {});
        failures = 0;
        await readEventStream(response, (event) => {
          if (event.event === 'revoked' || event.event === 'expired') final = event.event;
          else watch.onEvent(event);
        });
        if (final) {
          await this.refresh();
          continue;
        }
      } catch (error) {
        if (signal.aborted || error instanceof SessionEnded) return;
      }
      failures++;
      await sleep(Math.min(MAX_RETRY_MS, 500 * 2 ** failures));
    }
  }

  private async rotate(notify: boolean): Promise<void> {
    const response = await fetch('/auth/session/refresh', {
      method: 'POST',
      headers: CSRF_HEADERS,
    });
    if (response.status === 400) {
      const body = (await response.json()) as { reason?: string };
      const reason = body.reason ?? 'revoked';
      if (notify) this.end(reason);
      else this.accessToken = null;
      throw new SessionEnded(reason);
    }
    this.accept(await readJson<TokenResponse>(response));
  }

  private accept(tokens: TokenResponse): void {
    this.accessToken = tokens.access_token;
    clearTimeout(this.refreshTimer);
    const delay = Math.max(5_000, tokens.expires_in * 1000 - REFRESH_EARLY_MS);
    this.refreshTimer = setTimeout(() => void this.refresh().catch(() => undefined), delay);
  }

  private send(method: string, path: string, body?: unknown): Promise<Response> {
    const headers: Record<string, string> = { ...CSRF_HEADERS };
    if (this.accessToken) headers.Authorization = `Bearer ${this.accessToken}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    return fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }
}
