import { MemoryRevocationStore } from './memory-revocation.store';
import { revocationStoreContract } from '../testing/revocation-store.contract';

describe('MemoryRevocationStore', () => {
  revocationStoreContract(async () => ({
    store: new MemoryRevocationStore(),
    teardown: async () => undefined,
  }));
});
