import t from 'tap';
import { lastTiming, openMigratedPglite } from '../support/pglite-template.ts';
import { storeContract } from './store-contract.ts';

const db = await openMigratedPglite();
t.comment(`pglite template: built=${lastTiming.built} build=${lastTiming.buildMs.toFixed(0)} ms load=${lastTiming.loadMs.toFixed(0)} ms`);
t.teardown(() => db.close());
t.equal(db.kind, 'pglite');
storeContract(t, db);
