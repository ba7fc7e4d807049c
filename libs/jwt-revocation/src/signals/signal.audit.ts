import { Inject, Injectable } from '@nestjs/common';
import { SignalStore, type SignalQuery, type SignalRecord } from './signal-store.interface';

/** The signals audit trail: every received and sent signal with its `issuer` and `jti`, newest first. */
@Injectable()
export class SignalAudit {
  constructor(@Inject(SignalStore) private readonly store: SignalStore) {}

  list(query: Partial<SignalQuery> = {}): Promise<SignalRecord[]> {
    return this.store.query({ limit: 50, ...query });
  }
}
