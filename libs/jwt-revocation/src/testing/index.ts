/**
 * Test helpers for apps and for authors of `RevocationStore` adapters:
 * `import { revocationStoreContract, ManualClock } from 'nestjs-jwt-revocation/testing'`.
 */
export { revocationStoreContract } from './revocation-store.contract';
export type { StoreUnderTest } from './revocation-store.contract';
export { ManualClock } from '../clock';
