import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { CLAIMS_REQUEST_KEY } from './decorators/current-claims.decorator';
import {
  bearerChallenge,
  InsufficientScopeException,
  rejectionReason,
  retryAfter,
} from './jwt-revocation.exceptions';
import { RevocationMetrics } from './metrics/revocation.metrics';
import { RevocationService } from './revocation/revocation.service';
import { admitClient, RoutePolicy } from './route-policy';
import { RoutePolicyReader } from './route-policy.reader';
import type { AccessTokenClaims } from './tokens/token.claims';
import { extractRequestBearerToken } from './tokens/bearer-token';
import { TokenVerifier } from './tokens/token.verifier';

type HttpRequest = { headers: Record<string, string | string[] | undefined> } & Record<
  string,
  unknown
>;
type HttpResponse = { header(name: string, value: string): unknown };

/**
 * Extract the bearer token -> verify it -> check revocation (in memory) -> check audience and
 * client -> check roles -> confirm with the store (routes with `consistency: 'strong'`).
 * Use it through `@Authorize()`, `@UseGuards(JwtRevocationGuard)` or as a global guard with `@Public()`.
 * Subclass and override `getRequest`/`getResponse`/`handleError` for GraphQL or WebSockets.
 */
@Injectable()
export class JwtRevocationGuard implements CanActivate {
  constructor(
    @Inject(Reflector) protected readonly reflector: Reflector,
    @Inject(TokenVerifier) protected readonly verifier: TokenVerifier,
    @Inject(RevocationService) protected readonly revocations: RevocationService,
    @Inject(RevocationMetrics) protected readonly metrics: RevocationMetrics,
    @Inject(RoutePolicyReader) protected readonly policies: RoutePolicyReader,
  ) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const rules = this.rulesFor(context);
    if (rules.isPublic) return true;
    try {
      const request = this.getRequest(context);
      const claims = this.verifier.verifyAccessToken(this.extractToken(request));
      this.revocations.assertNotRevoked(claims, rules.trust);
      if (rules.restricted) admitClient(claims, rules);
      this.checkRoles(claims, rules.roles);
      if (rules.strong) return this.confirm(claims, request, context);
      return this.accept(claims, request);
    } catch (error) {
      throw this.handleError(error, context);
    }
  }

  /** `@Public()` and `@Authorize()` metadata of a route, read once (it does not change after bootstrap). */
  protected rulesFor(context: ExecutionContext): RoutePolicy {
    return this.policies.policyOf(context.getHandler(), context.getClass());
  }

  protected getRequest(context: ExecutionContext): HttpRequest {
    return context.switchToHttp().getRequest<HttpRequest>();
  }

  protected getResponse(context: ExecutionContext): HttpResponse | undefined {
    return context.switchToHttp().getResponse<HttpResponse>();
  }

  /** The RFC 6750 bearer token of the one `Authorization` header. */
  protected extractToken(request: HttpRequest): string {
    return extractRequestBearerToken(request);
  }

  protected checkRoles(claims: AccessTokenClaims, required: string[] | undefined): void {
    if (!required || required.length === 0) return;
    if (!required.some((role) => claims.roles.includes(role)))
      throw new InsufficientScopeException();
  }

  /** Sets the `WWW-Authenticate` challenge (or `Retry-After`) and returns the error to throw, per `errorDetail`. */
  protected handleError(error: unknown, context: ExecutionContext): unknown {
    this.metrics.recordRejected(rejectionReason(error));
    const shown = this.policies.present(error);
    const challenge = bearerChallenge(shown);
    if (challenge) this.getResponse(context)?.header('WWW-Authenticate', challenge);
    const wait = retryAfter(shown);
    if (wait) this.getResponse(context)?.header('Retry-After', wait);
    return shown;
  }

  private accept(claims: AccessTokenClaims, request: HttpRequest): true {
    request[CLAIMS_REQUEST_KEY] = claims;
    this.metrics.recordAccepted();
    return true;
  }

  private async confirm(
    claims: AccessTokenClaims,
    request: HttpRequest,
    context: ExecutionContext,
  ): Promise<boolean> {
    try {
      await this.revocations.confirmNotRevoked(claims);
      return this.accept(claims, request);
    } catch (error) {
      throw this.handleError(error, context);
    }
  }
}
