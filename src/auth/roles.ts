/**
 * Roles a token carries. `admin` may do everything a route allows to any role, but never bypasses
 * segregation-of-duties rules (see sod.ts), which look at the person, not the role.
 * `router` is a router process's token: it pushes stats and reads route tables, nothing else.
 * `metrics` is a service's metrics pusher: it pushes series (SLOs and guarded flag rollouts may
 * read them), nothing else, so the people who release cannot write the numbers they are judged on.
 * `alerts` is an alert receiver's token (Alertmanager): it posts alerts, nothing else, so nobody
 * who releases can raise or clear the alerts a rollout is rolled back on.
 */
export const ROLES = ['viewer', 'deployer', 'approver', 'oncall', 'admin', 'sdk', 'router', 'metrics', 'alerts'] as const;
export type Role = (typeof ROLES)[number];

/** Who made a request: the token's identity. */
export interface Principal {
  tokenId: string;
  role: Role;
  /**
   * The name of the user the token belongs to (users.ts): a person created with `shipgate user
   * create`, or a service token's own identity `token:<id>`. User names are unique and never reused,
   * so comparing them compares users, whichever token each came through. System actors use
   * reserved names (`shipgate`, `system:…`).
   */
  user: string;
  /** The id of that user; absent only for principals the system makes for itself. */
  userId?: string;
  /** For `sdk` tokens: the one environment whose flags they see. */
  environment?: string;
}

/** Roles that may read the control plane (people: not `sdk`, which only evaluates flags, nor `router`, `metrics` or `alerts`). */
export const READ_ROLES: Role[] = ['viewer', 'deployer', 'approver', 'oncall', 'admin'];

/** Who may read the route table and follow its watch stream: people and routers. */
export const ROUTER_READ_ROLES: Role[] = [...READ_ROLES, 'router'];

export function isRole(v: string): v is Role {
  return (ROLES as readonly string[]).includes(v);
}

/** Route access rule: which roles may call it. `admin` is added implicitly. */
export type Access = { roles: readonly Role[] } | 'public';

export function allows(access: Access, role: Role): boolean {
  if (access === 'public') return true;
  return role === 'admin' || access.roles.includes(role);
}
