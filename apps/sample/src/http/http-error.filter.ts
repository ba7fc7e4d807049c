import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { bearerChallenge, InvalidGrantException } from 'nestjs-jwt-revocation';
import { TooManyRequestsException } from './too-many-requests.exception';

/**
 * Turns every error into a JSON answer without internals: HTTP exceptions as they are (with their
 * `WWW-Authenticate` or `Retry-After` header), client errors raised by the body parsers of either
 * adapter as 4xx, anything else as a bare 500 that is logged.
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('Sample');

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const adapter = this.adapterHost.httpAdapter;
    const response = host.switchToHttp().getResponse<unknown>();
    const { status, body } = this.describe(exception);
    const challenge = bearerChallenge(exception);
    if (challenge) adapter.setHeader(response, 'WWW-Authenticate', challenge);
    if (exception instanceof InvalidGrantException) {
      adapter.setHeader(response, 'Cache-Control', 'no-store');
    }
    if (exception instanceof TooManyRequestsException) {
      adapter.setHeader(response, 'Retry-After', String(exception.retryAfterSeconds));
    }
    adapter.reply(response, body, status);
  }

  private describe(exception: unknown): { status: number; body: object } {
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const body = exception.getResponse();
      return {
        status,
        body: typeof body === 'string' ? { statusCode: status, message: body } : body,
      };
    }
    const clientError = asClientError(exception);
    if (clientError) return clientError;
    if (isDatabaseUnavailable(exception)) {
      this.logger.warn(`Database unavailable: ${(exception as Error).message}`);
      return {
        status: 503,
        body: {
          statusCode: 503,
          error: 'Service Unavailable',
          message: 'The database is unavailable',
        },
      };
    }
    this.logger.error(
      exception instanceof Error ? (exception.stack ?? exception.message) : String(exception),
    );
    return {
      status: 500,
      body: { statusCode: 500, error: 'Internal Server Error', message: 'Internal server error' },
    };
  }
}

/** Errors of body-parser (Express) and Fastify's content parsers carry a 4xx status of their own. */
function asClientError(exception: unknown): { status: number; body: object } | undefined {
  if (typeof exception !== 'object' || exception === null) return undefined;
  const e = exception as {
    status?: unknown;
    statusCode?: unknown;
    message?: unknown;
    expose?: unknown;
  };
  const status = typeof e.statusCode === 'number' ? e.statusCode : e.status;
  if (typeof status !== 'number' || status < 400 || status > 499) return undefined;
  const message =
    e.expose !== false && typeof e.message === 'string'
      ? e.message
      : 'The request could not be read';
  return {
    status,
    body: { statusCode: status, error: CLIENT_ERRORS[status] ?? 'bad_request', message },
  };
}

const CLIENT_ERRORS: Record<number, string> = {
  413: 'payload_too_large',
  415: 'unsupported_media_type',
};

/** Driver errors that mean "the database cannot be reached right now", not "this request is wrong". */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'PROTOCOL_CONNECTION_LOST',
  'SQLITE_BUSY',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '08000',
  '08001',
  '08003',
  '08006',
]);

function isDatabaseUnavailable(exception: unknown): boolean {
  for (
    let e = exception as
        { code?: unknown; message?: unknown; driverError?: unknown; cause?: unknown } | undefined,
      depth = 0;
    e && depth < 4;
    depth++
  ) {
    if (typeof e.code === 'string' && UNAVAILABLE_CODES.has(e.code)) return true;
    if (
      typeof e.message === 'string' &&
      /Connection terminated|connect ECONNREFUSED|Connection lost/i.test(e.message)
    ) {
      return true;
    }
    e = (e.driverError ?? e.cause) as typeof e;
  }
  return false;
}
