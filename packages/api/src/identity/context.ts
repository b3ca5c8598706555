/**
 * Who is calling, as the rest of the API sees it. It is deliberately independent of where the
 * token came from, so an external Keystone can stand behind the same interface as the built-in
 * identity service.
 */
export interface RequestContext {
  userId: string;
  userName: string;
  projectId: string;
  projectName: string;
  /** The user's domain (projects and users share the single built-in domain). */
  domainId: string;
  /** Role names on the project, including implied ones (admin implies member implies reader). */
  roles: string[];
  isAdmin: boolean;
  tokenExpiresAt: Date;
}

export interface AuthProvider {
  /** The caller behind an X-Auth-Token, or null when the token is unknown, expired or revoked. */
  authenticate(token: string): Promise<RequestContext | null>;
}
