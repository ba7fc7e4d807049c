export { TypeOrmRevocationStore } from './typeorm-revocation.store';
export { TypeOrmSignalStore } from './typeorm-signal.store';
export { RevocationSignalDeliveryEntity, RevocationSignalEntity } from './signal.entities';
export {
  JWT_REVOCATION_ENTITIES,
  RevocationAuditEntity,
  RevocationChangeEntity,
  RevocationSessionEntity,
  RevocationVersionEntity,
} from './revocation.entities';
export {
  AllowUncountedAudit1765200000000,
  CreateJwtRevocation1764300000000,
  CreateJwtRevocationSignals1765100000000,
  IndexLiveSessionsBySubject1764600000000,
  JWT_REVOCATION_MIGRATIONS,
  RecordClaimsVersions1765000000000,
  RecordWholesaleRevocationTime1764900000000,
} from './migrations';
