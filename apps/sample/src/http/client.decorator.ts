import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { ClientContext } from 'nestjs-jwt-revocation';

type RequestLike = { ip?: string; headers: Record<string, string | string[] | undefined> };

/** The caller's IP (per the adapter's trust-proxy setting) and user agent, on either adapter. */
export const Client = createParamDecorator(
  (_: unknown, context: ExecutionContext): ClientContext => {
    const request = context.switchToHttp().getRequest<RequestLike>();
    const agent = request.headers['user-agent'];
    return {
      ip: normalizeIp(request.ip),
      userAgent: typeof agent === 'string' && agent !== '' ? agent : null,
    };
  },
);

/** `::ffff:127.0.0.1` and `127.0.0.1` are one client: Express reports the first, Fastify the second. */
export function normalizeIp(ip: string | undefined): string | null {
  if (!ip) return null;
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice('::ffff:'.length) : ip;
}
