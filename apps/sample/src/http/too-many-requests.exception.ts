import { HttpException, HttpStatus } from '@nestjs/common';

/** 429 with `Retry-After` (set by `HttpErrorFilter`). */
export class TooManyRequestsException extends HttpException {
  constructor(
    readonly retryAfterSeconds: number,
    message = 'Too many failed attempts; try again later',
  ) {
    super(
      { statusCode: HttpStatus.TOO_MANY_REQUESTS, error: 'too_many_requests', message },
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}
