/** Prefix of the `Sec-WebSocket-Protocol` entry that carries the access token: `bearer.<jwt>`. */
export const BEARER_SUBPROTOCOL_PREFIX = 'bearer.';

/** The entries of a `Sec-WebSocket-Protocol` header (comma-separated, possibly repeated). */
function offeredProtocols(header: string | string[] | undefined): string[] {
  const values = Array.isArray(header) ? header : header === undefined ? [] : [header];
  return values.flatMap((value) => value.split(',').map((entry) => entry.trim()));
}

/**
 * The access token a browser offered as the subprotocol `bearer.<jwt>` (browsers cannot set
 * headers on a WebSocket, and a token in the URL ends up in access logs), or `undefined`.
 * Throws when more than one is offered: neither may be silently chosen.
 */
export function websocketBearerToken(header: string | string[] | undefined): string | undefined {
  const tokens = offeredProtocols(header)
    .filter((entry) => entry.startsWith(BEARER_SUBPROTOCOL_PREFIX))
    .map((entry) => entry.slice(BEARER_SUBPROTOCOL_PREFIX.length));
  if (tokens.length > 1) throw new Error('More than one bearer subprotocol');
  return tokens[0] || undefined;
}

/**
 * For the gateway's `handleProtocols` option: answers with the first real subprotocol the client
 * offered, never the `bearer.` one (which would echo the token back). Browsers refuse a handshake
 * whose answer names no protocol when they offered some, so offer one alongside the token, e.g.
 * `new WebSocket(url, ['notifications.v1', 'bearer.' + token])`.
 */
export function selectSubprotocol(protocols: Set<string>): string | false {
  for (const protocol of protocols) {
    if (!protocol.startsWith(BEARER_SUBPROTOCOL_PREFIX)) return protocol;
  }
  return false;
}
