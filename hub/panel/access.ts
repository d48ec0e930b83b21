/**
 * Who may use the alarm panel (docs/panel.md): staff sign in with a PIN and may
 * act; a paired display may only view. Also the host allow-list that defeats DNS
 * rebinding and the per-address brake on bad PINs. No Hono here: panel-app.ts
 * turns these answers into HTTP.
 */
import { hostname, networkInterfaces } from 'node:os';
import { isIP } from 'node:net';
import type { Clock } from '../clock.ts';
import type { KvStore } from '../store/kv-store.ts';
import { dummyPinHash, newToken, normalisePairingCode, tokenMatches, tokenSha256, verifyPin } from '../staff/credentials.ts';
import type { DisplayEntry, StaffMember } from '../staff/staff-config.ts';

export const SESSION_COOKIE = 'carehub_session';
export const DISPLAY_COOKIE = 'carehub_display';
/** Chromium caps a cookie's lifetime at 400 days (RFC 6265bis 4.1.2.2); a display re-pairs after that. */
export const DISPLAY_COOKIE_MAX_AGE_S = 400 * 24 * 3600;

const DISPLAY_PREFIX = 'panel:display:';

/** What the hub keeps in LevelDB once a display has paired. */
interface DisplayRecord {
  tokenSha256: string;
  /** SHA-256 of the code that paired it: the same code never pairs twice. */
  codeSha256: string;
  pairedAt: string;
}

export interface StaffSession {
  staffId: string;
  name: string;
  expiresAt: number;
}

export type PairResult = { ok: true; displayId: string; cookie: string } | { ok: false; reason: 'unknown' | 'used' | 'expired'; displayId?: string };

export interface PanelAccessOptions {
  staff: readonly StaffMember[];
  displays: readonly DisplayEntry[];
  allowedHosts: readonly string[];
  sessionHours: number;
  signInAttempts: number;
  store: KvStore;
  clock: Clock;
  /** For tests: the machine's addresses (default: os.networkInterfaces, re-read every 10 s). */
  interfaceAddresses?: () => string[];
  /** For tests: the PIN check (default: scrypt, credentials.ts). */
  verifyPin?: (pin: string, stored: string) => Promise<boolean>;
}

/** Longest wait a client address is made to sit out after repeated bad PINs. */
const MAX_LOCKOUT_MS = 15 * 60_000;
/** A client's failures are forgotten after this long without another. */
const FAILURE_MEMORY_MS = 15 * 60_000;
/** Bounds the failure table so a flood of addresses cannot grow it without end. */
const MAX_TRACKED_ADDRESSES = 10_000;
/**
 * Sign-ins waiting for their scrypt check. Checks run one at a time: scrypt runs on libuv's
 * thread pool, which LevelDB's writes share, so a flood of sign-ins must not take it over
 * and delay an alarm. Past this many waiting, a sign-in is answered 503 at once.
 */
const MAX_WAITING_SIGN_INS = 8;

export class PanelAccess {
  /** signed-in staff, keyed by SHA-256 of the session token (the token itself is only in the cookie) */
  private readonly sessions = new Map<string, StaffSession>();
  /** paired displays, keyed by display id */
  private readonly paired = new Map<string, DisplayRecord>();
  /** bad sign-in attempts, keyed by client address */
  private readonly failures = new Map<string, { count: number; last: number; until: number }>();
  /** staff, keyed by staff id */
  private readonly staffById: ReadonlyMap<string, StaffMember>;
  /** displays in the config, keyed by display id */
  private readonly displayById: ReadonlyMap<string, DisplayEntry>;
  private readonly names: ReadonlySet<string>;
  private addresses: { at: number; set: Set<string> } = { at: -Infinity, set: new Set() };
  /** the scrypt checks in line, one after another */
  private checks: Promise<unknown> = Promise.resolve();
  private waitingSignIns = 0;

  constructor(private readonly options: PanelAccessOptions) {
    this.staffById = new Map(options.staff.map((s) => [s.id, s]));
    this.displayById = new Map(options.displays.map((d) => [d.id, d]));
    const own = hostname().toLowerCase();
    this.names = new Set(['localhost', own, `${own}.local`, ...options.allowedHosts.map((h) => h.toLowerCase().replace(/\.$/, ''))]);
  }

  async start(): Promise<void> {
    const rows = await this.options.store.entries<DisplayRecord>({ gte: DISPLAY_PREFIX, lt: DISPLAY_PREFIX + '\uffff' });
    for (const [key, record] of rows) this.paired.set(key.slice(DISPLAY_PREFIX.length), record);
  }

  get sessionMs(): number {
    return this.options.sessionHours * 3600_000;
  }

  /**
   * DNS rebinding guard: a page from evil.example whose name now resolves to the hub
   * still sends `Host: evil.example`. Only the configured names and the hub's own
   * addresses pass.
   */
  hostAllowed(hostHeader: string | undefined): boolean {
    if (!hostHeader) return false;
    const host = parseHost(hostHeader);
    if (host === null) return false;
    if (this.names.has(host)) return true;
    if (isIP(host) === 0) return false;
    if (host.startsWith('127.') || host === '::1' || host === '::ffff:127.0.0.1') return true;
    return this.interfaceAddresses().has(host);
  }

  private interfaceAddresses(): Set<string> {
    const now = Date.now();
    // Addresses change with DHCP; re-read now and then, not per request.
    if (now - this.addresses.at > 10_000) {
      const list =
        this.options.interfaceAddresses?.() ??
        Object.values(networkInterfaces())
          .flat()
          .map((i) => i?.address ?? '');
      this.addresses = { at: now, set: new Set(list.filter(Boolean).map((a) => a.toLowerCase())) };
    }
    return this.addresses.set;
  }

  /** Seconds the address must still wait before another sign-in attempt, or 0. */
  retryAfterS(address: string): number {
    const entry = this.failures.get(address);
    const now = this.options.clock.now();
    return entry && entry.until > now ? Math.ceil((entry.until - now) / 1000) : 0;
  }

  private noteFailure(address: string): void {
    const now = this.options.clock.now();
    let entry = this.failures.get(address);
    if (entry && now - entry.last > FAILURE_MEMORY_MS) entry = undefined;
    const count = (entry?.count ?? 0) + 1;
    const over = count - this.options.signInAttempts;
    // From the limit on, each miss doubles the wait: 1 s, 2 s, 4 s ... 15 min.
    const until = over >= 0 ? now + Math.min(MAX_LOCKOUT_MS, 1000 * 2 ** over) : 0;
    this.failures.delete(address); // re-insert at the end: Map order is then oldest first
    this.failures.set(address, { count, last: now, until });
    if (this.failures.size > MAX_TRACKED_ADDRESSES) {
      const oldest = this.failures.keys().next().value;
      if (oldest !== undefined) this.failures.delete(oldest);
    }
  }

  /** Checks the PIN; on success returns a new session and the cookie token for it; 'busy' when too many wait. */
  async signIn(staffId: string, pin: string, address: string): Promise<{ session: StaffSession; token: string } | null | 'busy'> {
    if (this.waitingSignIns >= MAX_WAITING_SIGN_INS) return 'busy';
    const member = this.staffById.get(staffId);
    this.waitingSignIns += 1;
    let ok: boolean;
    try {
      // Unknown ids pay the same scrypt, so timing does not reveal which ids exist.
      const verify = this.options.verifyPin ?? verifyPin;
      const check = this.checks.then(async () => verify(pin, member?.pinScrypt ?? (await dummyPinHash())));
      this.checks = check.catch(() => undefined);
      ok = await check;
    } finally {
      this.waitingSignIns -= 1;
    }
    if (!ok || !member) {
      this.noteFailure(address);
      return null;
    }
    this.failures.delete(address);
    this.pruneSessions();
    const token = newToken();
    const session = { staffId: member.id, name: member.name, expiresAt: this.options.clock.now() + this.sessionMs };
    this.sessions.set(tokenSha256(token), session);
    return { session, token };
  }

  signOut(token: string | undefined): StaffSession | null {
    if (!token) return null;
    const key = tokenSha256(token);
    const session = this.sessions.get(key) ?? null;
    this.sessions.delete(key);
    return session;
  }

  /** The live session a cookie names, or null (unknown or expired). */
  session(token: string | undefined): StaffSession | null {
    if (!token) return null;
    const key = tokenSha256(token);
    const session = this.sessions.get(key);
    if (!session) return null;
    if (session.expiresAt <= this.options.clock.now()) {
      this.sessions.delete(key);
      return null;
    }
    return session;
  }

  private pruneSessions(): void {
    const now = this.options.clock.now();
    for (const [key, s] of this.sessions) if (s.expiresAt <= now) this.sessions.delete(key);
  }

  /** The display a cookie names, or null. A display removed from the config is refused. */
  display(cookie: string | undefined): string | null {
    if (!cookie) return null;
    const dot = cookie.lastIndexOf('.');
    if (dot <= 0) return null;
    const id = cookie.slice(0, dot);
    const record = this.paired.get(id);
    if (!record || !this.displayById.has(id)) return null;
    return tokenMatches(cookie.slice(dot + 1), record.tokenSha256) ? id : null;
  }

  /**
   * Trades a one-time pairing code for a display token (stored as SHA-256, durably).
   * `current` is the display the request's cookie already names: its own spent code is no attack.
   */
  async pair(code: string, address: string, current: string | null = null): Promise<PairResult> {
    const codeHash = tokenSha256(normalisePairingCode(code));
    const entry = this.options.displays.find((d) => tokenMatches(normalisePairingCode(code), d.pairingCodeSha256));
    const fail = (reason: 'unknown' | 'used' | 'expired'): PairResult => {
      this.noteFailure(address);
      return { ok: false, reason, ...(entry && { displayId: entry.id }) };
    };
    if (!entry) return fail('unknown');
    if (this.paired.get(entry.id)?.codeSha256 === codeHash) return current === entry.id ? { ok: false, reason: 'used', displayId: entry.id } : fail('used');
    if (Date.parse(entry.pairingExpiresAt) <= this.options.clock.now()) return fail('expired');
    const token = newToken();
    const record = { tokenSha256: tokenSha256(token), codeSha256: codeHash, pairedAt: new Date(this.options.clock.now()).toISOString() };
    // Claimed before the write, so two requests racing with one code cannot both pair.
    this.paired.set(entry.id, record);
    await this.options.store.batch([{ type: 'put', key: DISPLAY_PREFIX + entry.id, value: record }], { sync: true });
    return { ok: true, displayId: entry.id, cookie: `${entry.id}.${token}` };
  }
}

/** `Host` without its port, lower-case, no trailing dot; IPv6 without brackets. Null if malformed. */
export function parseHost(header: string): string | null {
  const h = header.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    if (end < 0 || !/^(:\d{1,5})?$/.test(h.slice(end + 1))) return null;
    return h.slice(1, end);
  }
  const m = /^([a-z0-9._-]+?)\.?(:\d{1,5})?$/.exec(h);
  return m ? m[1]! : null;
}
