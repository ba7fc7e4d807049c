import { describeAttacks } from './support/attack-suite';
import { LIBRARY_CVES } from './support/catalogue';

/** The flaws behind the CVEs and advisories of jsonwebtoken, express-jwt, fast-jwt, jose and node-jose. */
describeAttacks('JWT library CVEs and advisories', LIBRARY_CVES);
