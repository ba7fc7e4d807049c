import { BadRequestException, Controller, Get, Inject, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiOkResponse,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import { SignalAudit } from 'nestjs-jwt-revocation/signals';
import { AuthorizeAccount } from '../users/active-account.guard';
import { SignalPage, SignalView } from './signals.views';

/** The signals audit trail: every logout token and SET received or sent, with its issuer and jti. */
@ApiTags('admin')
@ApiBearerAuth()
@ApiForbiddenResponse({ description: 'The caller is not an admin (`insufficient_scope`)' })
@AuthorizeAccount('admin')
@Controller('admin/signals')
export class AdminSignalsController {
  constructor(@Inject(SignalAudit) private readonly audit: SignalAudit) {}

  @Get()
  @ApiQuery({ name: 'direction', required: false, enum: ['received', 'sent'] })
  @ApiQuery({ name: 'issuer', required: false })
  @ApiQuery({ name: 'jti', required: false })
  @ApiQuery({ name: 'limit', required: false })
  @ApiQuery({ name: 'before', required: false })
  @ApiOkResponse({ type: SignalPage, description: 'Newest first' })
  async list(@Query() query: Record<string, unknown>): Promise<SignalPage> {
    const text = (name: string): string | undefined => {
      const value = query[name];
      if (value === undefined) return undefined;
      if (typeof value !== 'string' || value === '' || value.length > 255)
        throw invalid(`${name} must be a string`);
      return value;
    };
    const integer = (
      name: string,
      fallback: number | undefined,
      max: number,
    ): number | undefined => {
      const raw = text(name);
      if (raw === undefined) return fallback;
      const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
      if (!Number.isSafeInteger(value) || value < 1 || value > max)
        throw invalid(`${name} must be 1 to ${max}`);
      return value;
    };
    const direction = text('direction');
    if (direction !== undefined && direction !== 'received' && direction !== 'sent') {
      throw invalid('direction must be received or sent');
    }
    const limit = integer('limit', 50, 200)!;
    const entries = await this.audit.list({
      limit: limit + 1,
      beforeId: integer('before', undefined, Number.MAX_SAFE_INTEGER),
      direction,
      issuer: text('issuer'),
      jti: text('jti'),
    });
    const page = entries.slice(0, limit);
    return {
      entries: page.map(SignalView.of),
      next_cursor: entries.length > limit ? String(page[page.length - 1].id) : null,
    };
  }
}

function invalid(message: string): BadRequestException {
  return new BadRequestException({ statusCode: 400, error: 'bad_request', message });
}
