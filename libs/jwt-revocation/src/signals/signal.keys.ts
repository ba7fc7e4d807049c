import { Inject, Injectable } from '@nestjs/common';
import { JwksService, type JwkSet } from '../tokens/jwks.service';
import { SignalsConfig } from './signals.config';

/** The JWK Set to publish when SETs are sent: the module's public keys plus a dedicated SET signing key. */
@Injectable()
export class SignalKeys {
  constructor(
    @Inject(SignalsConfig) private readonly config: SignalsConfig,
    @Inject(JwksService) private readonly jwks: JwksService,
  ) {}

  getJwks(): JwkSet {
    const own = this.jwks.getJwks();
    return { keys: [...own.keys, ...(this.config.transmitter?.extraJwks ?? [])] };
  }
}
