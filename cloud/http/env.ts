/** Hono context variables shared by the relay's middleware and routes. */

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
  };
}
