import { HttpException, ServiceUnavailableException } from '@nestjs/common';
import { SignalRejectedError, SignalUnavailableError } from 'nestjs-jwt-revocation/signals';

/** A receiver's failure as the HTTP answer its protocol asks for; anything else is rethrown. */
export function signalHttpError(error: unknown, body: (e: SignalRejectedError) => object): Error {
  if (error instanceof SignalRejectedError) return new HttpException(body(error), error.status);
  if (error instanceof SignalUnavailableError) {
    return new ServiceUnavailableException({
      error: 'temporarily_unavailable',
      error_description: error.message,
    });
  }
  return error as Error;
}
