import { describeAttacks } from './support/attack-suite';
import { HTTP } from './support/catalogue';
import { RAW_ATTACKS } from './support/raw-requests';

/** RFC 6750 / RFC 6749 bearer and token-endpoint rules, HTTP-level checks and raw malformed requests. */
describeAttacks('Bearer tokens over HTTP', HTTP, RAW_ATTACKS);
