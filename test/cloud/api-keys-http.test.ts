/** The API key and per-request safeguards suite (api-keys-suite.ts) on PGlite. */
import t from 'tap';
import { openMigratedPglite } from '../support/pglite-template.ts';
import { apiKeysSuite } from './api-keys-suite.ts';

const db = await openMigratedPglite();
t.teardown(() => db.close());
await apiKeysSuite(t, db, 'keys');
