import {
  CanActivate,
  ExecutionContext,
  Inject,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { extractRequestBearerToken, InvalidTokenException } from 'nestjs-jwt-revocation';
import { SampleConfig } from '../config/sample.config';

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * Guards `/metrics` (cache sizes, process details): 404 when disabled, and with `METRICS_TOKEN`
 * only `Authorization: Bearer <token>`, compared in constant time (digests of equal length).
 */
@Injectable()
export class MetricsTokenGuard implements CanActivate {
  private readonly expected: Buffer | null;

  constructor(@Inject(SampleConfig) private readonly config: SampleConfig) {
    this.expected = config.metrics.token === null ? null : digest(config.metrics.token);
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.config.metrics.enabled) throw new NotFoundException();
    if (this.expected === null) return true;
    const request = context.switchToHttp().getRequest<{ headers: Record<string, unknown> }>();
    const presented = digest(extractRequestBearerToken(request));
    if (!timingSafeEqual(presented, this.expected)) {
      throw new InvalidTokenException('unknown_key', 'The metrics token is invalid');
    }
    return true;
  }
}
