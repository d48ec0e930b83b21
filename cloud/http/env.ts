/** Hono context variables shared by the relay's middleware and routes. */
import type { Caller, Role } from '../tenancy/context.ts';
import type { Access } from './access.ts';
import type { IngestAdmission } from './admission.ts';

export interface AuthenticatedHub {
  hubId: string;
  orgId: string;
}

export interface Principal {
  keyId: string;
  orgId: string;
  role: Role;
}

export interface AppEnv {
  Variables: {
    hub: AuthenticatedHub;
    principal: Principal;
    /** The API key's caller, set by requireRoles (cloud/tenancy/context.ts). */
    caller: Caller;
    /** App-wide API key authentication and per-key rate limits (cloud/http/access.ts). */
    access: Access;
    /** Set by the app's ingest admission, for the route's per-hub check (cloud/http/admission.ts). */
    admission: IngestAdmission;
  };
}
