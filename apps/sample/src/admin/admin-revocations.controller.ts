import {
  BadRequestException,
  Body,
  Controller,
  Get,
  Inject,
  MessageEvent,
  Post,
  Query,
  Sse,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import {
  AccessTokenClaims,
  AuditEntry,
  CurrentClaims,
  LiveStream,
  RevocationService,
  SuspiciousActivityEvent,
} from 'nestjs-jwt-revocation';
import { concat, interval, map, merge, Observable, of } from 'rxjs';
import { AuthorizeAccount } from '../users/active-account.guard';
import { UsersService } from '../users/users.service';
import { RevocationTriggers } from '../events/revocation-triggers.service';
import { CreateRevocationDto, ListRevocationsQuery, RevokeAllDto } from './admin.dto';
import { AuditEntryView, AuditPage, RevocationCount } from './admin.views';
import { AuditSearch } from './audit.search';
import { RevocationFeed } from './revocation.feed';

/** Keeps proxies from closing an idle stream. */
const HEARTBEAT_MS = 15_000;

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
    @Inject(AuditSearch) private readonly search: AuditSearch,
    @Inject(RevocationFeed) private readonly feed: RevocationFeed,
    @Inject(UsersService) private readonly users: UsersService,
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
    const entries = await this.auditEntries(query);
    const page = entries.slice(0, query.limit);
    return {
      entries: page.map(AuditEntryView.of),
      next_cursor: entries.length > query.limit ? String(page[page.length - 1].id) : null,
    };
  }

  /**
   * Server-Sent Events: `event: revocation` for each revocation this instance makes, `event: ping`
   * heartbeats; ends with `event: revoked` when the admin's token is revoked.
   */
  @Sse('events')
  @LiveStream()
  @ApiOkResponse({ description: 'text/event-stream' })
  events(): Observable<MessageEvent> {
    return merge(
      concat(of({ type: 'ready', data: {} }), this.feed.stream()),
      interval(HEARTBEAT_MS).pipe(map(() => ({ type: 'ping', data: {} }))),
    );
  }

  /** One more entry than the page holds, to tell whether another page follows. */
  private async auditEntries(query: ListRevocationsQuery): Promise<AuditEntry[]> {
    const base = {
      limit: query.limit + 1,
      beforeId: query.before,
      kind: query.kind,
      target: query.target,
    };
    const { user, reason, actor, since, until } = query;
    if ([user, reason, actor, since, until].every((f) => f === undefined)) {
      return this.revocations.audit(base);
    }
    const userId = user === undefined ? undefined : await this.userIdOf(user);
    const actorId = actor === undefined ? undefined : await this.userIdOf(actor);
    if (userId === null || actorId === null) return [];
    return this.search.find({
      ...base,
      userId,
      reason,
      actor: actorId,
      since: since === undefined ? undefined : Date.parse(since),
      until: until === undefined ? undefined : Date.parse(until),
    });
  }

  /** An id as given, or the id of the account with this email (null when there is none). */
  private async userIdOf(idOrEmail: string): Promise<string | null> {
    if (!idOrEmail.includes('@')) return idOrEmail;
    return (await this.users.findByEmail(idOrEmail.trim().toLowerCase()))?.id ?? null;
  }
}
