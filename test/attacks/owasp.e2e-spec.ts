import { describeAttacks } from './support/attack-suite';
import { OWASP } from './support/catalogue';

/** The OWASP JWT and REST cheat sheets, WSTG-SESS-10 and the API Security Top 10. */
describeAttacks('OWASP cheat sheets, WSTG and API Top 10', OWASP);
