export {
  AUTHENTICATE_EVENT,
  LIVE_CLOSED_EVENT,
  LIVE_FORBIDDEN_CLOSE_CODE,
  LIVE_UNAVAILABLE_CLOSE_CODE,
  LiveSocketAuthenticator,
  REAUTHENTICATED_EVENT,
  REAUTHENTICATE_EVENT,
  liveClaimsOf,
} from './live-socket.authenticator';
export type {
  LiveIoSocket,
  LiveSocket,
  LiveSocketOptions,
  LiveUpgradeRequest,
} from './live-socket.authenticator';
export { AuthorizeSocket } from './authorize-socket.decorator';
export { LiveSocketGuard } from './live-socket.guard';
export {
  BEARER_SUBPROTOCOL_PREFIX,
  selectSubprotocol,
  websocketBearerToken,
} from './websocket-token';
export { LIVE_CLOSE_CODE } from '../live/live-connection.registry';
