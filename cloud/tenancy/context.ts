/**
 * Who is calling, and what they may see (docs/access.md). Every REST route declares the roles it
 * admits (`'x-roles'` on the route, published in /openapi.json) and mounts `requireRoles(...)` with
 * the same list; test/cloud/access-routes.test.ts walks every published route with every role and
 * fails on a route without a declaration or one whose guard disagrees with it.
 *
 * Tenancy lives in the repository, not the route: `scoped(db, caller)` refuses to run SQL that does
 * not name the caller's organisation (`$org`), so a route cannot forget the filter.
 */
import type { MiddlewareHandler } from 'hono';
import { ProblemError } from '../errors.ts';
import type { AppEnv } from '../http/env.ts';
import type { Queryable, QueryResult } from '../store/database.ts';

export const ROLES = ['operator', 'clinician', 'pharmacist', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

export const ORG_KINDS = ['care-home', 'hospital', 'pharmacy'] as const;
export type OrgKind = (typeof ORG_KINDS)[number];

/** The authenticated API key behind a request: set by requireRoles, read by every repository. */
export interface Caller {
  orgId: string;
  orgKind: OrgKind;
  role: Role;
  keyId: string;
}

/** What a route declares in `'x-roles'`: API key roles, or a hub token, or no credential at all. */
export type RouteCaller = Role | 'hub' | 'public';
export const ROLES_EXTENSION = 'x-roles';

/** Values written before migration 006 (and still accepted in bootstrap config files). */
const LEGACY_ROLES: Readonly<Record<string, Role>> = { pharmacy: 'pharmacist', admin: 'operator' };
const LEGACY_ORG_KINDS: Readonly<Record<string, OrgKind>> = { 'nursing-home': 'care-home', household: 'care-home' };

export function normaliseRole(role: string): Role {
  const mapped = LEGACY_ROLES[role] ?? role;
  if (!(ROLES as readonly string[]).includes(mapped)) throw new Error(`unknown role "${role}"`);
  return mapped as Role;
}

export function normaliseOrgKind(kind: string): OrgKind {
  const mapped = LEGACY_ORG_KINDS[kind] ?? kind;
  if (!(ORG_KINDS as readonly string[]).includes(mapped)) throw new Error(`unknown organisation kind "${kind}"`);
  return mapped as OrgKind;
}

/**
 * Authenticates the API key (through the app-wide `access` binding, cloud/tenancy/access.ts) and
 * admits only the given roles: another role gets 403. Sets `caller`.
 */
export function requireRoles(...roles: Role[]): MiddlewareHandler<AppEnv> {
  if (roles.length === 0) throw new Error('requireRoles needs at least one role');
  return async function guardRoles(c, next) {
    const access = c.get('access') as AppEnv['Variables']['access'] | undefined;
    // A router mounted outside createApp has no binding: fail loudly rather than admit anyone.
    if (access === undefined) throw new Error('requireRoles needs the app-wide access binding (createAccess in cloud/http/access.ts)');
    const caller = await access.authenticate(c);
    if (!roles.includes(caller.role)) {
      throw new ProblemError('forbidden', `This needs an API key with role ${roles.join(' or ')}; this key's role is ${caller.role}`);
    }
    await access.admitKey(c, caller);
    await next();
  };
}

/** A route's caller, as requireRoles left it. */
export function callerOf(c: { get(key: 'caller'): Caller }): Caller {
  return c.get('caller');
}

/**
 * Queryable bound to a caller: `$org` in the SQL stands for the caller's organisation and is passed
 * as a parameter. SQL without `$org` is refused, so an unfiltered read or write cannot slip through
 * a repository (for a record that is legitimately cross-organisation use `residentVisibleSql`, which
 * names `$org` too).
 */
export interface ScopedDb {
  readonly caller: Caller;
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<T>>;
  /** The underlying handle, for a transaction: `db.transaction((tx) => fn(scoped(tx, caller)))`. */
  readonly raw: Queryable;
}

const ORG_PLACEHOLDER = /\$org\b/g;

export function scoped(q: Queryable, caller: Caller): ScopedDb {
  return {
    caller,
    raw: q,
    query<T>(sql: string, params: unknown[] = []) {
      if (!/\$org\b/.test(sql)) throw new Error(`scoped query without $org (the caller's organisation): ${sql.slice(0, 80)}`);
      const bound = sql.replace(ORG_PLACEHOLDER, `$${params.length + 1}`);
      return q.query<T>(bound, [...params, caller.orgId]);
    },
  };
}

/**
 * SQL condition (uses `$org`): the resident row aliased `alias` is the caller's, or has an open
 * referral to the caller's organisation, a hospital (table referral_access, migration 006; the referral
 * issue builds on it). Needs a column `id` (compared as text) and `org_id` on the alias; agrees with
 * canReadResident.
 */
export function residentVisibleSql(alias: string): string {
  return `(${alias}.org_id = $org OR EXISTS (SELECT 1 FROM referral_access ra JOIN orgs ro ON ro.id = ra.to_org_id AND ro.kind = 'hospital'
    WHERE ra.resident_id = ${alias}.id::text AND ra.owner_org_id = ${alias}.org_id AND ra.to_org_id = $org AND ra.closed_at IS NULL))`;
}

/**
 * The referral hook: may `caller` read the records of the resident owned by `ownerOrgId`? Its own
 * organisation always; a hospital only while a referral to it is open (closed: refused at once).
 */
export async function canReadResident(q: Queryable, caller: Caller, residentId: string, ownerOrgId: string): Promise<boolean> {
  if (ownerOrgId === caller.orgId) return true;
  if (caller.orgKind !== 'hospital') return false;
  const { rows } = await q.query<{ open: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM referral_access WHERE resident_id = $1 AND owner_org_id = $2 AND to_org_id = $3 AND closed_at IS NULL) AS open`,
    [residentId, ownerOrgId, caller.orgId],
  );
  return rows[0]?.open === true;
}
