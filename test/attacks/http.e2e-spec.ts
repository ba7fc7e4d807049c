import { describeAttacks } from './support/attack-suite';
import { HTTP } from './support/catalogue';

/** RFC 6750 / RFC 6749 bearer and token-endpoint rules and HTTP-level checks. */
describeAttacks('Bearer tokens over HTTP', HTTP);
