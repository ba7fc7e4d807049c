import { CreateJwtRevocation1764300000000 } from './1764300000000-create-jwt-revocation.migration';
import { IndexLiveSessionsBySubject1764600000000 } from './1764600000000-index-live-sessions-by-subject.migration';
import { RecordWholesaleRevocationTime1764900000000 } from './1764900000000-record-wholesale-revocation-time.migration';
import { RecordClaimsVersions1765000000000 } from './1765000000000-record-claims-versions.migration';
import { CreateJwtRevocationSignals1765100000000 } from './1765100000000-create-jwt-revocation-signals.migration';
import { AllowUncountedAudit1765200000000 } from './1765200000000-allow-uncounted-audit.migration';

/** Add these to your `DataSource`'s `migrations` (they suit SQLite, Postgres and MySQL/MariaDB). */
export const JWT_REVOCATION_MIGRATIONS = [
  CreateJwtRevocation1764300000000,
  IndexLiveSessionsBySubject1764600000000,
  RecordWholesaleRevocationTime1764900000000,
  RecordClaimsVersions1765000000000,
  CreateJwtRevocationSignals1765100000000,
  AllowUncountedAudit1765200000000,
];

export {
  CreateJwtRevocation1764300000000,
  IndexLiveSessionsBySubject1764600000000,
  RecordWholesaleRevocationTime1764900000000,
  RecordClaimsVersions1765000000000,
  CreateJwtRevocationSignals1765100000000,
  AllowUncountedAudit1765200000000,
};
