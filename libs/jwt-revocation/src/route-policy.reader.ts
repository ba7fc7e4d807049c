import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { AuthorizeMetadata } from './decorators/authorize.metadata';
import { IS_PUBLIC_KEY } from './decorators/public.decorator';
import { Roles } from './decorators/roles.decorator';
import { JwtRevocationConfig } from './jwt-revocation.config';
import { concealRefusal } from './jwt-revocation.exceptions';
import { routePolicy, RoutePolicy } from './route-policy';

type Target = object;

/**
 * Reads each route's `@Public()`/`@Authorize()` metadata once and keeps its policy (metadata does
 * not change after bootstrap). At bootstrap it reads every route that carries `@Authorize`, so a
 * contradictory one stops the application before it serves anything. Injected into
 * `JwtRevocationGuard` (and its subclasses) and the Passport strategy; apps need not call it.
 */
@Injectable()
export class RoutePolicyReader implements OnApplicationBootstrap {
  private readonly policies = new WeakMap<Target, WeakMap<Target, RoutePolicy>>();
  private readonly conceal: boolean;

  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(JwtRevocationConfig) private readonly config: JwtRevocationConfig,
    @Inject(DiscoveryService) private readonly discovery: DiscoveryService,
    @Inject(MetadataScanner) private readonly scanner: MetadataScanner,
  ) {
    this.conceal = config.errorDetail === 'generic';
  }

  onApplicationBootstrap(): void {
    for (const wrapper of [...this.discovery.getControllers(), ...this.discovery.getProviders()]) {
      const { instance, metatype } = wrapper;
      if (!instance || typeof metatype !== 'function') continue;
      const prototype = Object.getPrototypeOf(instance) as Record<string, unknown>;
      const onClass = this.reflector.get(AuthorizeMetadata, metatype) !== undefined;
      for (const name of this.scanner.getAllMethodNames(prototype)) {
        const handler = prototype[name];
        if (typeof handler !== 'function') continue;
        if (onClass || this.reflector.get(AuthorizeMetadata, handler) !== undefined) {
          this.policyOf(handler, metatype);
        }
      }
    }
  }

  /** The route's policy, built on first use and kept. */
  policyOf(handler: Target, controller: Target): RoutePolicy {
    let byController = this.policies.get(handler);
    if (!byController) this.policies.set(handler, (byController = new WeakMap()));
    let policy = byController.get(controller);
    if (!policy) {
      policy = this.read(handler as () => unknown, controller as () => unknown);
      byController.set(controller, policy);
    }
    return policy;
  }

  /** What the client is shown of a refusal: without its reason when `errorDetail` is `generic`. */
  present(error: unknown): unknown {
    return this.conceal ? concealRefusal(error) : error;
  }

  private read(handler: () => unknown, controller: () => unknown): RoutePolicy {
    const targets = [handler, controller];
    return routePolicy(
      {
        isPublic: this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, targets) === true,
        roles: this.reflector.getAllAndOverride(Roles, targets),
        options: this.reflector.getAllAndOverride(AuthorizeMetadata, targets),
      },
      this.config,
      `${controller.name || 'anonymous class'}.${handler.name || 'anonymous method'}`,
    );
  }
}
