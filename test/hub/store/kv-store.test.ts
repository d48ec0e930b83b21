import t from 'tap';
import { createLevelStore } from '../../../hub/store/level-store.ts';
import { createMemoryStore } from '../../../hub/store/memory-store.ts';
import { kvContract } from './kv-contract.ts';

kvContract(t, 'memory', { make: async () => createMemoryStore() });
kvContract(t, 'leveldb', {
  make: async () => createLevelStore(t.testdir()),
  makePersistent: async () => {
    const dir = t.testdir();
    return { store: createLevelStore(dir), reopen: async () => createLevelStore(dir) };
  },
});
