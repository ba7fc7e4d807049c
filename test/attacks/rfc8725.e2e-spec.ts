import { describeAttacks } from './support/attack-suite';
import { RFC_8725 } from './support/catalogue';

/** RFC 8725 (JWT Best Current Practices) and the JOSE RFCs it builds on: every forgery refused. */
describeAttacks('RFC 8725 and the JOSE RFCs', RFC_8725);
