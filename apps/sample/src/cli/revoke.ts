import { CommandFactory } from 'nest-commander';
import { ConfigError, loadSampleConfig, SampleConfig } from '../config/sample.config';
import { DatabaseUnavailableError } from '../database/database.module';
import { CliError, ExitCode } from './cli.errors';
import { RevokeCliModule } from './revoke-cli.module';

/** Help and version are not errors. */
const BENIGN = new Set(['commander.helpDisplayed', 'commander.help', 'commander.version']);

function fail(code: ExitCode, message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

/**
 * `npm run revoke -- <command> …`: revokes users, sessions, tokens, IPs or everything straight in
 * the store, with the server's environment, for when the HTTP side cannot be trusted. Exit
 * statuses are in `ExitCode`.
 */
async function main(): Promise<void> {
  let config: SampleConfig;
  try {
    config = loadSampleConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) fail(ExitCode.usage, error.message);
    throw error;
  }
  try {
    await CommandFactory.run(RevokeCliModule.forRoot(config), {
      logger: false,
      abortOnError: false,
      errorHandler: (error: Error) => {
        const code = (error as { code?: unknown }).code;
        process.exit(typeof code === 'string' && BENIGN.has(code) ? ExitCode.ok : ExitCode.usage);
      },
      serviceErrorHandler: (error: Error) => {
        if (error instanceof CliError) {
          process.stderr.write(`${error.message}\n`);
          process.exitCode = error.exitCode;
          return;
        }
        throw error;
      },
    });
  } catch (error) {
    if (error instanceof DatabaseUnavailableError) fail(ExitCode.storeUnavailable, error.message);
    throw error;
  }
  // Database pools and transport sockets are closed; exit even if a timer lingers.
  process.exit(process.exitCode ?? ExitCode.ok);
}

main().catch((error: unknown) =>
  fail(
    ExitCode.failure,
    `revoke failed: ${error instanceof Error ? error.message : String(error)}`,
  ),
);
