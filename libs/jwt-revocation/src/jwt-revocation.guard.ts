import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { IS_PUBLIC_KEY } from './decorators/public.decorator';
import { Roles } from './decorators/roles.decorator';
import { CLAIMS_REQUEST_KEY } from './decorators/current-claims.decorator';
import {
  bearerChallenge,
  InsufficientScopeException,
  rejectionReason,
} from './jwt-revocation.exceptions';
import { RevocationMetrics } from './metrics/revocation.metrics';
import { RevocationService } from './revocation/revocation.service';
import type { AccessTokenClaims } from './tokens/token.claims';
import { extractRequestBearerToken } from './tokens/bearer-token';
import { TokenVerifier } from './tokens/token.verifier';

type HttpRequest = { headers: Record<string, string | string[] | undefined> } & Record<
  string,
  unknown
>;
type HttpResponse = { header(name: string, value: string): unknown };
type RouteRules = { isPublic: boolean; roles: string[] | undefined };

/**
 * Extract the bearer token -> verify it -> check revocation (in memory) -> check roles.
 * Use it through `@Authorize()`, `@UseGuards(JwtRevocationGuard)` or as a global guard with `@Public()`.
 * Subclass and override `getRequest`/`getResponse`/`handleError` for GraphQL or WebSockets.
 */
@Injectable()
export class JwtRevocationGuard implements CanActivate {
  private readonly routeRules = new WeakMap<object, WeakMap<object, RouteRules>>();

  constructor(
    @Inject(Reflector) protected readonly reflector: Reflector,
    @Inject(TokenVerifier) protected readonly verifier: TokenVerifier,
    @Inject(RevocationService) protected readonly revocations: RevocationService,
    @Inject(RevocationMetrics) protected readonly metrics: RevocationMetrics,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const rules = this.rulesFor(context);
    if (rules.isPublic) return true;
    try {
      const request = this.getRequest(context);
      const claims = this.verifier.verifyAccessToken(this.extractToken(request));
      this.revocations.assertNotRevoked(claims);
      this.checkRoles(claims, rules.roles);
      request[CLAIMS_REQUEST_KEY] = claims;
      this.metrics.recordAccepted();
      return true;
    } catch (error) {
      throw this.handleError(error, context);
    }
  }

  /** `@Public()` and `@Authorize()` metadata of a route, read once (it does not change after bootstrap). */
  protected rulesFor(context: ExecutionContext): RouteRules {
    const handler = context.getHandler();
    const controller = context.getClass();
    let byController = this.routeRules.get(handler);
    if (!byController) this.routeRules.set(handler, (byController = new WeakMap()));
    let rules = byController.get(controller);
    if (!rules) {
      const targets = [handler, controller];
      rules = {
        isPublic: this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, targets) === true,
        roles: this.reflector.getAllAndOverride(Roles, targets),
      };
      byController.set(controller, rules);
    }
    return rules;
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

  /** Sets the `WWW-Authenticate` challenge and returns the error to throw. */
  protected handleError(error: unknown, context: ExecutionContext): unknown {
    this.metrics.recordRejected(rejectionReason(error));
    const challenge = bearerChallenge(error);
    if (challenge) this.getResponse(context)?.header('WWW-Authenticate', challenge);
    return error;
  }
}
