// Who may run what. Platforms map their permissions onto one ladder; the base
// revision's `commands.override` names who may override (roles, users, teams).

export type Role = 'none' | 'read' | 'write' | 'maintain' | 'admin';
const LADDER: Role[] = ['none', 'read', 'write', 'maintain', 'admin'];

export function atLeast(role: Role, needed: Role): boolean {
  return LADDER.indexOf(role) >= LADDER.indexOf(needed);
}

/** Role words accepted in `commands.override`, on either platform's vocabulary. */
const ROLE_WORDS: Record<string, Role> = {
  admin: 'admin',
  admins: 'admin',
  owner: 'admin',
  owners: 'admin',
  maintain: 'maintain',
  maintainer: 'maintain',
  maintainers: 'maintain',
  write: 'write',
  writer: 'write',
  developer: 'write',
  developers: 'write',
};

export const DEFAULT_OVERRIDERS = ['maintainers'];

export interface Principal {
  username: string;
  role(): Promise<Role>;
  /** Membership of a GitHub team ("org/team") or GitLab group ("group/subgroup"). */
  memberOf(group: string): Promise<boolean>;
}

/** Whether the principal matches an entry of `commands.override` or `reviews[].require`: a role (at least), "@user", or "@org/team". */
export async function isAllowed(principal: Principal, allowed: string[] = DEFAULT_OVERRIDERS): Promise<boolean> {
  for (const entry of allowed) {
    const word = entry.trim();
    const role = ROLE_WORDS[word.toLowerCase()];
    if (role) {
      if (atLeast(await principal.role(), role)) return true;
    } else if (word.replace(/^@/, '').includes('/')) {
      if (await principal.memberOf(word.replace(/^@/, ''))) return true;
    } else if (word.replace(/^@/, '').toLowerCase() === principal.username.toLowerCase()) {
      return true;
    }
  }
  return false;
}

/** How a refusal names what was needed. */
export function describeAllowed(allowed: string[] = DEFAULT_OVERRIDERS): string {
  return allowed
    .map((entry) => {
      const role = ROLE_WORDS[entry.trim().toLowerCase()];
      return role ? `${role} permission or higher` : entry.startsWith('@') ? entry : `@${entry}`;
    })
    .join(', or ');
}
