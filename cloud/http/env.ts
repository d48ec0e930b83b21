/** Hono context variables shared by the relay's middleware and routes. */
import type { IngestAdmission } from './admission.ts';

export interface AuthenticatedHub {
  hubId: string;
  orgId: string;
}

export interface Principal {
  keyId: string;
  orgId: string;
  role: 'operator' | 'clinician' | 'pharmacy' | 'admin';
}

export interface AppEnv {
  Variables: {
    hub: AuthenticatedHub;
    principal: Principal;
    /** Set by the app's ingest admission, for the route's per-hub check (cloud/http/admission.ts). */
    admission: IngestAdmission;
  };
}
