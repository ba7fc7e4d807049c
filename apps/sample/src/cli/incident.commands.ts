import { Inject } from '@nestjs/common';
import { Command, CommandRunner, Option } from 'nest-commander';
import { userInfo } from 'node:os';
import { REVOKE_ALL_CONFIRMATION } from '../admin/admin.dto';
import { CliError, ExitCode } from './cli.errors';
import { IncidentService, RevocationReport } from './incident.service';

interface OutputOptions {
  json?: boolean;
}

interface RevocationOptions extends OutputOptions {
  reason?: string;
  actor?: string;
}

/** `cli:<login>` of whoever runs the command, when `--actor` is not given. */
function defaultActor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return `cli:${process.env.USER ?? 'unknown'}`;
  }
}

/**
 * Prints one result (a JSON document with `--json`) and sets the exit status; a `CliError`
 * becomes its own status and `{ "error", "message" }`.
 */
async function respond<T>(
  options: OutputOptions,
  work: () => Promise<T>,
  describe: (result: T) => string,
): Promise<void> {
  try {
    const result = await work();
    process.stdout.write(options.json ? `${JSON.stringify(result)}\n` : `${describe(result)}\n`);
    process.exitCode = ExitCode.ok;
  } catch (error) {
    const failure =
      error instanceof CliError
        ? error
        : new CliError(
            ExitCode.failure,
            'failure',
            error instanceof Error ? error.message : String(error),
          );
    if (options.json) {
      process.stdout.write(
        `${JSON.stringify({ error: failure.code, message: failure.message })}\n`,
      );
    } else {
      process.stderr.write(`${failure.message}\n`);
    }
    process.exitCode = failure.exitCode;
  }
}

function describeRevocation(report: RevocationReport): string {
  const what = report.kind === 'global' ? 'everything' : `${report.kind} ${report.target}`;
  const suspended = report.suspended ? '; the account is suspended' : '';
  return `Revoked ${what}: ${report.revoked} ended (reason ${report.reason}, actor ${report.actor})${suspended}`;
}

/** `--json` on every command. */
abstract class IncidentCommand extends CommandRunner {
  constructor(@Inject(IncidentService) protected readonly incidents: IncidentService) {
    super();
  }

  @Option({ flags: '--json', description: 'print one JSON document on stdout' })
  parseJson(): boolean {
    return true;
  }
}

/** `--reason` and `--actor` on every revocation. */
abstract class RevocationCommand extends IncidentCommand {
  @Option({ flags: '-r, --reason <reason>', description: 'why (audit trail, required)' })
  parseReason(value: string): string {
    return value;
  }

  @Option({
    flags: '-a, --actor <actor>',
    description: 'who (audit trail; default cli:<your login>)',
  })
  parseActor(value: string): string {
    return value;
  }

  protected revoke(
    options: RevocationOptions,
    work: (by: ReturnType<typeof IncidentService.attribution>) => Promise<RevocationReport>,
  ): Promise<void> {
    return respond(
      options,
      () => work(IncidentService.attribution(options.reason, options.actor ?? defaultActor())),
      describeRevocation,
    );
  }
}

@Command({
  name: 'user',
  arguments: '<user>',
  argsDescription: { user: 'user id or email' },
  description: 'end every session and token of a user',
})
export class RevokeUserCommand extends RevocationCommand {
  @Option({ flags: '--suspend', description: 'also refuse their logins until reinstated' })
  parseSuspend(): boolean {
    return true;
  }

  run([user]: string[], options: RevocationOptions & { suspend?: boolean }): Promise<void> {
    return this.revoke(options, (by) => this.incidents.revokeUser(user, by, options.suspend));
  }
}

@Command({
  name: 'session',
  arguments: '<session>',
  argsDescription: { session: 'session id, or any access or refresh token of the session' },
  description: 'end one session (its access and refresh tokens)',
})
export class RevokeSessionCommand extends RevocationCommand {
  run([session]: string[], options: RevocationOptions): Promise<void> {
    return this.revoke(options, (by) => this.incidents.revokeSession(session, by));
  }
}

@Command({
  name: 'token',
  arguments: '<token>',
  argsDescription: { token: 'jti of an access token, or the access token itself' },
  description: 'revoke one access token',
})
export class RevokeTokenCommand extends RevocationCommand {
  run([token]: string[], options: RevocationOptions): Promise<void> {
    return this.revoke(options, (by) => this.incidents.revokeToken(token, by));
  }
}

@Command({
  name: 'ip',
  arguments: '<address>',
  description: 'end every session created or last refreshed from an IP address',
})
export class RevokeIpCommand extends RevocationCommand {
  run([address]: string[], options: RevocationOptions): Promise<void> {
    return this.revoke(options, (by) => this.incidents.revokeIp(address, by));
  }
}

@Command({
  name: 'all',
  description: `kill switch: revoke every token and session issued so far (needs --confirm "${REVOKE_ALL_CONFIRMATION}")`,
})
export class RevokeAllCommand extends RevocationCommand {
  @Option({ flags: '--confirm <phrase>', description: `exactly "${REVOKE_ALL_CONFIRMATION}"` })
  parseConfirm(value: string): string {
    return value;
  }

  run(_: string[], options: RevocationOptions & { confirm?: string }): Promise<void> {
    return this.revoke(options, (by) => {
      if (options.confirm !== REVOKE_ALL_CONFIRMATION) {
        throw CliError.usage(`Add --confirm "${REVOKE_ALL_CONFIRMATION}" to revoke everything`);
      }
      return this.incidents.revokeAll(by);
    });
  }
}

@Command({
  name: 'sessions',
  arguments: '<user>',
  argsDescription: { user: 'user id or email' },
  description: "list a user's active sessions",
})
export class ListSessionsCommand extends IncidentCommand {
  run([user]: string[], options: OutputOptions): Promise<void> {
    return respond(
      options,
      () => this.incidents.listSessions(user),
      ({ user: id, sessions }) =>
        [
          `${sessions.length} active session(s) of ${id}`,
          ...sessions.map(
            (s) =>
              `${s.id}  since ${new Date(s.createdAt).toISOString()}  last ${new Date(s.lastSeenAt).toISOString()}  ` +
              `${s.lastIp ?? s.ip ?? '-'}  ${s.userAgent ?? '-'}`,
          ),
        ].join('\n'),
    );
  }
}

const AUDIT_KINDS = ['jti', 'session', 'user', 'global', 'ip', 'claims'] as const;

@Command({ name: 'audit', description: 'show the audit trail, newest first' })
export class AuditCommand extends IncidentCommand {
  @Option({ flags: '--limit <n>', description: '1 to 1000 entries (default 50)' })
  parseLimit(value: string): number {
    const limit = /^\d+$/.test(value) ? Number(value) : NaN;
    if (!(limit >= 1 && limit <= 1000)) throw CliError.usage('--limit must be from 1 to 1000');
    return limit;
  }

  @Option({ flags: '--kind <kind>', description: AUDIT_KINDS.join(', ') })
  parseKind(value: string): string {
    if (!(AUDIT_KINDS as readonly string[]).includes(value)) {
      throw CliError.usage(`--kind must be one of ${AUDIT_KINDS.join(', ')}`);
    }
    return value;
  }

  @Option({
    flags: '--target <target>',
    description: 'only entries about this jti, session, user or IP',
  })
  parseTarget(value: string): string {
    return value;
  }

  run(
    _: string[],
    options: OutputOptions & {
      limit?: number;
      kind?: (typeof AUDIT_KINDS)[number];
      target?: string;
    },
  ): Promise<void> {
    return respond(
      options,
      async () => ({
        entries: (
          await this.incidents.audit({
            limit: options.limit ?? 50,
            kind: options.kind,
            target: options.target,
          })
        ).map((entry) => ({ ...entry, createdAt: new Date(entry.createdAt).toISOString() })),
      }),
      ({ entries }) =>
        entries
          .map(
            (e) =>
              `${e.createdAt}  #${e.id}  ${e.kind} ${e.target}  ${e.reason}  by ${e.actor ?? '-'}  (${e.count} ended)`,
          )
          .join('\n') || 'The audit trail is empty.',
    );
  }
}

export const INCIDENT_COMMANDS = [
  RevokeUserCommand,
  RevokeSessionCommand,
  RevokeTokenCommand,
  RevokeIpCommand,
  RevokeAllCommand,
  ListSessionsCommand,
  AuditCommand,
];
