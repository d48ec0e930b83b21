/** The referral HTTP suite (referrals-http-suite.ts) on PGlite. */
import t from 'tap';
import { openMigratedPglite } from '../../support/pglite-template.ts';
import { referralsHttpSuite } from './referrals-http-suite.ts';

const db = await openMigratedPglite();
t.teardown(() => db.close());
await referralsHttpSuite(t, db);
