/** Records contract on PGlite (test/cloud/records-contract.ts). */
import t from 'tap';
import { openMigratedPglite } from '../support/pglite-template.ts';
import { recordsContract } from './records-contract.ts';

const db = await openMigratedPglite();
t.teardown(() => db.close());
recordsContract(t, db, 'pglite');
