import { Body, Controller, Headers, HttpCode, Inject, Post } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiConsumes,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { SECEVENT_MEDIA_TYPE, SsfPushReceiver } from 'nestjs-jwt-revocation/signals';
import { signalHttpError } from './signal-http';

/** RFC 8935 push endpoint of the Shared Signals stream (CAEP and RISC events). */
@ApiTags('signals')
@Controller('ssf')
export class SsfEventsController {
  constructor(@Inject(SsfPushReceiver) private readonly receiver: SsfPushReceiver) {}

  /** One SET (`application/secevent+jwt`); 202 once applied, RFC 8935 §2.3 errors otherwise. */
  @Post('events')
  @HttpCode(202)
  @ApiConsumes(SECEVENT_MEDIA_TYPE)
  @ApiAcceptedResponse({ description: 'Accepted and applied' })
  @ApiBadRequestResponse({
    description:
      '`{ "err": "invalid_request" | "invalid_key" | "invalid_issuer" | "invalid_audience", "description" }`',
  })
  @ApiServiceUnavailableResponse({
    description: 'The transmitter keys or the database did not answer; retry',
  })
  async receive(
    @Body() body: unknown,
    @Headers('content-type') contentType?: string,
  ): Promise<void> {
    try {
      await this.receiver.receive(body, contentType);
    } catch (error) {
      throw signalHttpError(error, (e) => e.toJSON());
    }
  }
}
