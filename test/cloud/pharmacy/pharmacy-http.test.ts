/** Pharmacy delivery through the REST API on PGlite (test/cloud/pharmacy/pharmacy-suite.ts). */
import t from 'tap';
import { openMigratedPglite } from '../../support/pglite-template.ts';
import { pharmacySuite } from './pharmacy-suite.ts';

const db = await openMigratedPglite();
t.teardown(() => db.close());
await pharmacySuite(t, db);
