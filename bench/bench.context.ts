import 'reflect-metadata';
import { INestApplicationContext, Module, Provider } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  JwtRevocationModule,
  JwtRevocationModuleOptions,
  MemoryRevocationStore,
} from 'nestjs-jwt-revocation';
import { BENCH_SECRET } from './bench.shared';

/** The library on the in-memory store, without polling, plus `providers`: what the probes start. */
export async function benchContext(
  options: Partial<JwtRevocationModuleOptions> = {},
  providers: Provider[] = [],
): Promise<INestApplicationContext> {
  @Module({
    imports: [
      JwtRevocationModule.forRoot({
        secret: BENCH_SECRET,
        store: new MemoryRevocationStore(),
        allowInMemoryStoreInProduction: true,
        pollInterval: 0,
        purgeInterval: 0,
        ...options,
      }),
    ],
    providers,
  })
  class ProbeModule {}
  return NestFactory.createApplicationContext(ProbeModule, { logger: false });
}

/** Two full collections (run with --expose-gc), before and after what a probe measures. */
export function collectGarbage(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (!collect) throw new Error('run with --expose-gc');
  collect();
  collect();
}

/** Runs a probe: its result as the last stdout line, exit 0; or its error on stderr, exit 1. */
export function runProbe(main: () => Promise<object>): void {
  void main().then(
    (result) => {
      process.stdout.write(JSON.stringify(result) + '\n');
      process.exit(0);
    },
    (error) => {
      process.stderr.write(`${String(error?.stack ?? error)}\n`);
      process.exit(1);
    },
  );
}
