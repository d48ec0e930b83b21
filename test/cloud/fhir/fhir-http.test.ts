/** The FHIR facade's HTTP suite (fhir-http-suite.ts) on PGlite. */
import t from 'tap';
import { openMigratedPglite } from '../../support/pglite-template.ts';
import { fhirHttpSuite } from './fhir-http-suite.ts';

const db = await openMigratedPglite();
t.teardown(() => db.close());
await fhirHttpSuite(t, db);
