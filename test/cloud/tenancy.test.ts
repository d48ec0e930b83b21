/** The tenancy suite (tenancy-suite.ts) on PGlite. */
import t from 'tap';
import { openMigratedPglite } from '../support/pglite-template.ts';
import { tenancySuite } from './tenancy-suite.ts';

const db = await openMigratedPglite();
t.teardown(() => db.close());
await tenancySuite(t, db);
