import { DynamicModule } from '@nestjs/common';
import { Test, TestingModule } from '@nestjs/testing';
import {
  Clock,
  JwtRevocationModule,
  JwtRevocationModuleOptions,
  RevocationService,
  RevocationSync,
  SessionService,
  TokenVerifier,
  JwtRevocationGuard,
} from '../src';
import { ManualClock } from '../src/testing';
import { TokenIssuer } from '../src/tokens/token.issuer';

export const SECRET = 'test-secret-that-is-long-enough-32b';

/** Compiles the real module with a movable clock and returns its services. */
export async function setup(
  options: Partial<JwtRevocationModuleOptions> = {},
  imports: DynamicModule[] = [],
) {
  const clock = new ManualClock(1_800_000_000_000);
  const moduleRef: TestingModule = await Test.createTestingModule({
    imports: [
      ...imports,
      JwtRevocationModule.forRoot({ secret: SECRET, pollInterval: 0, ...options }),
    ],
  })
    .overrideProvider(Clock)
    .useValue(clock)
    .compile();
  await moduleRef.init();
  return {
    moduleRef,
    clock,
    sessions: moduleRef.get(SessionService),
    revocations: moduleRef.get(RevocationService),
    sync: moduleRef.get(RevocationSync),
    verifier: moduleRef.get(TokenVerifier),
    issuer: moduleRef.get(TokenIssuer),
    guard: moduleRef.get(JwtRevocationGuard),
    close: () => moduleRef.close(),
  };
}
