import t from 'tap';
import { createLevelStore } from '../../../hub/store/level-store.ts';
import { createMemoryStore } from '../../../hub/store/memory-store.ts';
import { kvContract } from './kv-contract.ts';

kvContract(t, 'memory', async () => ({ store: createMemoryStore() }));
kvContract(t, 'leveldb', async () => {
  const dir = t.testdir();
  return { store: createLevelStore(dir), reopen: async () => createLevelStore(dir) };
});
