import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import {
  bearerChallenge,
  InvalidClientException,
  InvalidGrantException,
  retryAfter,
  storeFailureOf,
  StoreUnavailableException,
} from 'nestjs-jwt-revocation';
import { TooManyRequestsException } from './too-many-requests.exception';

/**
 * Turns every error into a JSON answer without internals: HTTP exceptions as they are (with their
 * `WWW-Authenticate` or `Retry-After` header), client errors raised by the body parsers of either
 * adapter as 4xx, a database that is down, saturated or too slow (the library's
 * `StoreUnavailableException`, or a driver error from the app's own queries) as 503 with
 * `Retry-After`, anything else as a bare 500 that is logged.
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('Sample');

  /** `retryAfterSeconds`: what a 503 caused by the app's own database queries advises. */
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly retryAfterSeconds = 1,
  ) {}

  catch(thrown: unknown, host: ArgumentsHost): void {
    const adapter = this.adapterHost.httpAdapter;
    const exception = this.asUnavailable(thrown) ?? thrown;
    const response = host.switchToHttp().getResponse<unknown>();
    const { status, body } = this.describe(exception);
    const challenge =
      exception instanceof InvalidClientException
        ? exception.challenge
        : bearerChallenge(exception);
    if (challenge) adapter.setHeader(response, 'WWW-Authenticate', challenge);
    if (exception instanceof InvalidGrantException || exception instanceof InvalidClientException) {
      adapter.setHeader(response, 'Cache-Control', 'no-store');
    }
    const wait =
      exception instanceof TooManyRequestsException
        ? String(exception.retryAfterSeconds)
        : retryAfter(exception);
    if (wait !== undefined) adapter.setHeader(response, 'Retry-After', wait);
    adapter.reply(response, body, status);
  }

  /** A driver error meaning "no answer from the database", as the 503 the library would raise. */
  private asUnavailable(exception: unknown): StoreUnavailableException | undefined {
    if (exception instanceof HttpException || asClientError(exception)) return undefined;
    const failure = storeFailureOf(exception);
    if (failure === undefined) return undefined;
    this.logger.warn(`Database unavailable (${failure}): ${(exception as Error).message}`);
    return new StoreUnavailableException(failure, this.retryAfterSeconds, { cause: exception });
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
