/** The API's answer to a request that failed, as a sentence a person can act on. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The session expired or was revoked: the app goes back to sign-in with this message. */
export class SessionExpired extends ApiError {}

/** Zun's envelope ({errors: [{detail}]}), Keystone's ({error: {message}}), or the status line. */
export function readableError(status: number, statusText: string, body: string): string {
  try {
    const doc = JSON.parse(body) as {
      errors?: { detail?: string; title?: string }[];
      error?: { message?: string };
    };
    const first = doc.errors?.[0];
    if (first?.detail || first?.title) return String(first.detail ?? first.title);
    if (doc.error?.message) return doc.error.message;
  } catch {
    // not JSON: the status line below
  }
  return `${status} ${statusText || 'error'}${body && body.length < 200 ? `: ${body}` : ''}`;
}

export const API_VERSION = 'container 1.40';

/** Calls zun-api (through the console's own server, same origin) with the session's token. */
export class Api {
  constructor(
    readonly token: string,
    private readonly onExpired: (why: string) => void,
  ) {}

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(path, {
        method,
        headers: this.headers(body !== undefined),
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      throw new ApiError(0, `The console's server does not answer (${(err as Error).message}).`);
    }
    const text = await res.text();
    if (res.status === 401) {
      const why = 'Your session has expired or was revoked. Please sign in again.';
      this.onExpired(why);
      throw new SessionExpired(401, why);
    }
    if (!res.ok) throw new ApiError(res.status, readableError(res.status, res.statusText, text));
    return (text ? JSON.parse(text) : null) as T;
  }

  headers(json = false): Record<string, string> {
    return {
      'X-Auth-Token': this.token,
      'OpenStack-API-Version': API_VERSION,
      Accept: 'application/json',
      ...(json ? { 'Content-Type': 'application/json' } : {}),
    };
  }

  expired(why: string): void {
    this.onExpired(why);
  }
}
