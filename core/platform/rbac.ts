/** Roles (A5) and what each may do. Every route names one permission; nothing else grants access. */
export const ROLES = ["owner", "admin", "supervisor", "agent", "viewer"] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = {
  /** Read the tenant's own settings, dashboards (everyone in the tenant). */
  "tenant:read": ["owner", "admin", "supervisor", "agent", "viewer"],
  "members:read": ["owner", "admin"],
  "members:manage": ["owner", "admin"],
  "apikeys:manage": ["owner", "admin"],
  "settings:manage": ["owner", "admin"],
  "audit:read": ["owner", "admin"],
  /** Calls and their content. Agents are further limited to their own calls (calls/scope). */
  "calls:read": ["owner", "admin", "supervisor", "agent"],
  "calls:write": ["owner", "admin", "supervisor"],
  "calls:delete": ["owner", "admin", "supervisor"],
  /** Analyses of calls (an agent: of their own calls). */
  "analyses:read": ["owner", "admin", "supervisor", "agent"],
  /** Quality grids: everyone may read the grid they are judged on; QA edits it. */
  "rubrics:read": ["owner", "admin", "supervisor", "agent", "viewer"],
  "rubrics:write": ["owner", "admin", "supervisor"],
  "agents:read": ["owner", "admin", "supervisor", "viewer"],
  "agents:write": ["owner", "admin", "supervisor"],
  /** Anonymised platform benchmarks (F6) next to the tenant's own figures; not agents. */
  "stats:read": ["owner", "admin", "supervisor", "viewer"],
  /** Dashboards and reports (an agent: their own figures only). */
  "reports:read": ["owner", "admin", "supervisor", "agent", "viewer"],
  /** Review calls (C10): override criteria, finalise, resolve disputes. */
  "reviews:write": ["owner", "admin", "supervisor"],
  /** Dispute a final review of one's own call (C10). */
  "reviews:dispute": ["agent"],
  "tenant:delete": ["owner"],
  /** Privacy requests of callers and agents (F3): the tenant's admins decide and act. */
  "privacy:manage": ["owner", "admin"],
  /** Plan, usage, invoices (G1–G3); subscribing, changing plan, quota behaviour, billing contact. */
  "billing:read": ["owner", "admin"],
  "billing:manage": ["owner", "admin"],
  /** Support tickets (H1): every member may ask for help; admins see every ticket of the tenant. */
  "support:use": ["owner", "admin", "supervisor", "agent", "viewer"],
  /** Letting operators read call content for a ticket (H2), and the tenant's backups (I7). */
  "support:grant": ["owner", "admin"],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof PERMISSIONS;

/** API key scopes and the permissions each grants. `admin` grants everything. */
export const SCOPES = {
  "calls:read": ["calls:read", "tenant:read"],
  "calls:write": ["calls:read", "calls:write", "calls:delete", "tenant:read"],
  "analyses:read": ["analyses:read", "rubrics:read", "stats:read", "reports:read", "tenant:read"],
  "reviews:write": ["reviews:write", "analyses:read", "calls:read", "tenant:read"],
  "rubrics:write": ["rubrics:read", "rubrics:write", "tenant:read"],
  "agents:read": ["agents:read", "tenant:read"],
  "agents:write": ["agents:read", "agents:write", "tenant:read"],
  "privacy:manage": ["privacy:manage", "tenant:read"],
  "billing:read": ["billing:read", "tenant:read"],
  support: ["support:use", "tenant:read"],
  admin: Object.keys(PERMISSIONS) as Permission[],
} as const satisfies Record<string, readonly Permission[]>;

export type Scope = keyof typeof SCOPES;
export const SCOPE_NAMES = Object.keys(SCOPES) as [Scope, ...Scope[]];

export function roleAllows(role: Role, perm: Permission): boolean {
  return (PERMISSIONS[perm] as readonly Role[]).includes(role);
}

export function scopesAllow(scopes: readonly string[], perm: Permission): boolean {
  return scopes.some((s) => (SCOPES[s as Scope] as readonly Permission[] | undefined)?.includes(perm));
}

/** Roles a given role may hand out: nobody grants more than they hold; only owners make owners. */
export function assignableRoles(role: Role): Role[] {
  if (role === "owner") return [...ROLES];
  if (role === "admin") return ["admin", "supervisor", "agent", "viewer"];
  return [];
}
