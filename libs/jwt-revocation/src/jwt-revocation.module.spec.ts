import { ConsoleLogger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { JwtRevocationModuleAsyncOptions } from './index';
import { JwtRevocationModule } from './jwt-revocation.module';
import { RevocationService } from './revocation/revocation.service';
import type { JwtRevocationModuleOptions } from './jwt-revocation.options';
import { MemoryRevocationStore } from './storage/memory-revocation.store';
import type { RevocationStore } from './storage/revocation-store.interface';

const SECRET = 'module-spec-secret-that-is-32-bytes!';

/** Keeps what the module logs, to assert on it. */
class RecordingLogger extends ConsoleLogger {
  readonly warnings: string[] = [];

  override warn(message: unknown): void {
    this.warnings.push(String(message));
  }

  override log(): void {}
}

async function boot(options: Partial<JwtRevocationModuleOptions>, nodeEnv: string | undefined) {
  const previous = process.env.NODE_ENV;
  if (nodeEnv === undefined) delete process.env.NODE_ENV;
  else process.env.NODE_ENV = nodeEnv;
  const logger = new RecordingLogger();
  try {
    const moduleRef = await Test.createTestingModule({
      imports: [JwtRevocationModule.forRoot({ secret: SECRET, pollInterval: 0, ...options })],
    })
      .setLogger(logger)
      .compile();
    await moduleRef.close();
    return logger.warnings;
  } finally {
    if (previous === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = previous;
  }
}

/** A durable store as far as the module can tell: not the in-memory class. */
function otherStore(): RevocationStore {
  const inner = new MemoryRevocationStore();
  const methods = [
    'ping',
    'loadSnapshot',
    'changesSince',
    'revoke',
    'versions',
    'createSession',
    'findSession',
    'listSessions',
    'rotateRefresh',
    'queryAudit',
    'purgeExpired',
  ] as const;
  return Object.fromEntries(
    methods.map((m) => [
      m,
      (...args: never[]) => (inner[m] as (...a: never[]) => unknown)(...args),
    ]),
  ) as unknown as RevocationStore;
}

describe('JwtRevocationModule on the in-memory store', () => {
  const lost = /lost|loses every revocation/;

  it('warns at boot that revocations are lost at restart', async () => {
    const warnings = await boot({}, 'development');
    expect(warnings).toEqual([expect.stringMatching(lost)]);
    expect(await boot({ store: new MemoryRevocationStore() }, undefined)).toEqual([
      expect.stringMatching(lost),
    ]);
  });

  it('refuses to start with NODE_ENV=production unless the app opts in by name', async () => {
    await expect(boot({}, 'production')).rejects.toThrow(/allowInMemoryStoreInProduction: true/);
    await expect(boot({ store: new MemoryRevocationStore() }, 'production')).rejects.toThrow(
      /NODE_ENV=production/,
    );
    expect(await boot({ allowInMemoryStoreInProduction: true }, 'production')).toEqual([
      expect.stringMatching(lost),
    ]);
  });

  it('says nothing about a store of its own', async () => {
    expect(await boot({ store: otherStore() }, 'production')).toEqual([]);
  });
});

describe('JwtRevocationModule.forRootAsync', () => {
  it('takes options typed by the exported JwtRevocationModuleAsyncOptions', async () => {
    const options: JwtRevocationModuleAsyncOptions = {
      useFactory: async () => ({ secret: SECRET, pollInterval: 0, store: otherStore() }),
      isGlobal: false,
    };
    const moduleRef = await Test.createTestingModule({
      imports: [JwtRevocationModule.forRootAsync(options)],
    }).compile();
    expect(moduleRef.get(RevocationService)).toBeInstanceOf(RevocationService);
    await moduleRef.close();
  });
});
