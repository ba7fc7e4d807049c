import { BadRequestException, Body, Controller, Get, Inject, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import {
  AccessTokenClaims,
  CurrentClaims,
  RevocationService,
  SuspiciousActivityEvent,
} from 'nestjs-jwt-revocation';
import { AuthorizeAccount } from '../users/active-account.guard';
import { RevocationTriggers } from '../events/revocation-triggers.service';
import { CreateRevocationDto, ListRevocationsQuery, RevokeAllDto } from './admin.dto';
import { AuditEntryView, AuditPage, RevocationCount } from './admin.views';

@ApiTags('admin')
@ApiBearerAuth()
@ApiForbiddenResponse({ description: 'The caller is not an admin (`insufficient_scope`)' })
// Admin actions read revocations from the database, not the cache: a demoted or suspended admin
// is refused on every instance at once, with no propagation window.
@AuthorizeAccount({ roles: ['admin'], consistency: 'strong' })
@Controller('admin/revocations')
export class AdminRevocationsController {
  constructor(
    @Inject(RevocationTriggers) private readonly triggers: RevocationTriggers,
    @Inject(RevocationService) private readonly revocations: RevocationService,
  ) {}

  /**
   * Flags a token, session, user or IP as compromised: reported to the library as suspicious
   * activity, which ends what it names and records it in the audit trail.
   */
  @Post()
  @ApiCreatedResponse({ type: RevocationCount })
  async create(
    @Body() body: CreateRevocationDto,
    @CurrentClaims() claims: AccessTokenClaims,
  ): Promise<RevocationCount> {
    const targets: SuspiciousActivityEvent = {
      jti: body.jti,
      sessionId: body.session_id,
      userId: body.user_id,
      ip: body.ip,
    };
    if (Object.values(targets).filter((t) => t !== undefined).length !== 1) {
      throw new BadRequestException({
        statusCode: 400,
        error: 'bad_request',
        message: 'Give exactly one of jti, session_id, user_id or ip',
      });
    }
    const revoked = await this.triggers.suspiciousActivity({
      ...targets,
      reason: body.reason,
      actor: claims.sub,
    });
    return { revoked };
  }

  /**
   * Kill switch: every token and session issued before this call, for every user and on every
   * instance, is revoked (the caller's own included). Logins afterwards work at once.
   */
  @Post('all')
  @ApiCreatedResponse({ type: RevocationCount })
  async revokeAll(
    @Body() body: RevokeAllDto,
    @CurrentClaims() claims: AccessTokenClaims,
  ): Promise<RevocationCount> {
    return this.revocations.revokeAll({ reason: body.reason, actor: claims.sub });
  }

  @Get()
  @ApiOkResponse({ type: AuditPage, description: 'The audit trail, newest first' })
  async list(@Query() query: ListRevocationsQuery): Promise<AuditPage> {
    const entries = await this.revocations.audit({
      limit: query.limit + 1,
      beforeId: query.before,
      kind: query.kind,
      target: query.target,
    });
    const page = entries.slice(0, query.limit);
    return {
      entries: page.map(AuditEntryView.of),
      next_cursor: entries.length > query.limit ? String(page[page.length - 1].id) : null,
    };
  }
}
