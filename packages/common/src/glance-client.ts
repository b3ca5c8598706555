import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { ZunConfig } from './config';
import { KeystoneSession, type CatalogEntry } from './keystone-session';

/** An image record of Glance's v2 API, the fields we use. */
export interface GlanceImage {
  id: string;
  name: string | null;
  status: string;
  owner: string | null;
  visibility: string;
  container_format: string | null;
  disk_format: string | null;
  size: number | null;
  /** MD5 of the data. */
  checksum: string | null;
  os_hash_algo: string | null;
  os_hash_value: string | null;
  [property: string]: unknown;
}

/**
 * A Glance or Keystone failure worded for the person who reads it on the container (status
 * reason) or the action: what was asked, of which service, and what it answered.
 */
export class GlanceError extends Error {
  constructor(
    message: string,
    readonly status: number | null = null,
  ) {
    super(message);
    this.name = 'GlanceError';
  }
}

type GlanceSettings = ZunConfig['glance'];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Glance's image API v2 with the service credential of `[glance]`: a Keystone v3 password
 * token scoped to the service project (kept until shortly before it expires), the image
 * endpoint from `api_servers` or the token's catalog. The credential has the admin role, so
 * it sees every project's images; which of them a project may use is decided here (see
 * resolve), and images made for a project get that project as owner.
 */
export class GlanceClient {
  private readonly session: KeystoneSession;

  constructor(private readonly settings: GlanceSettings & { authUrl: string }) {
    const s = settings;
    this.session = new KeystoneSession(
      s,
      (url, init) =>
        call(`Keystone at ${this.session.base}`, url, {
          ...init,
          signal: AbortSignal.timeout(s.timeoutS * 1000),
        }),
      (status) =>
        new GlanceError(
          `Keystone at ${this.session.base} refused the [glance] service credential (user ${s.username}, project ${s.projectName}): HTTP ${status}`,
          status,
        ),
    );
  }

  static fromConfig(config: ZunConfig): GlanceClient | null {
    const { authUrl } = config.glance;
    return authUrl ? new GlanceClient({ ...config.glance, authUrl }) : null;
  }

  /**
   * The image a project means by NAME_OR_ID: an id is taken as it is; a name must match
   * exactly one image the project may use (its own, public or community ones).
   */
  async resolve(nameOrId: string, projectId: string): Promise<GlanceImage> {
    if (UUID.test(nameOrId)) {
      const image = await this.getImage(nameOrId);
      if (image && usableBy(image, projectId)) return image;
      // Not an id after all (or not one of ours): it may still be an image's name.
    }
    const q = new URLSearchParams({ name: nameOrId, visibility: 'all', limit: '100' });
    const body = (await this.json('GET', `/v2/images?${q}`)) as { images: GlanceImage[] };
    const usable = body.images.filter((i) => usableBy(i, projectId));
    if (usable.length === 0) {
      throw new GlanceError(
        `Image ${nameOrId} was not found in Glance (no image with this id or name that project ${projectId} may use).`,
        404,
      );
    }
    if (usable.length > 1) {
      throw new GlanceError(
        `Image name ${nameOrId} is ambiguous in Glance: ${usable.length} images have it (${usable.map((i) => i.id).join(', ')}); use the image id.`,
        409,
      );
    }
    return usable[0];
  }

  /**
   * Docker-format images (container_format docker) a project may use whose name contains the
   * term (equals it with `exact`), or the image whose id it is; `projectId` null (an admin)
   * sees every project's. Pages through Glance's listing.
   */
  async search(term: string, projectId: string | null, exact: boolean): Promise<GlanceImage[]> {
    const visible = (i: GlanceImage): boolean =>
      i.container_format === 'docker' && (projectId === null || usableBy(i, projectId));
    if (UUID.test(term)) {
      const image = await this.getImage(term);
      if (image && visible(image)) return [image];
    }
    const q = new URLSearchParams({ visibility: 'all', container_format: 'docker', limit: '200' });
    if (exact) q.set('name', term);
    const found: GlanceImage[] = [];
    let next: string | undefined = `/v2/images?${q}`;
    while (next) {
      const page = (await this.json('GET', next)) as { images: GlanceImage[]; next?: string };
      found.push(
        ...page.images.filter((i) => visible(i) && (exact ? i.name === term : (i.name ?? '').includes(term))),
      );
      next = page.next;
    }
    return found;
  }

  async getImage(id: string): Promise<GlanceImage | null> {
    try {
      return (await this.json('GET', `/v2/images/${encodeURIComponent(id)}`)) as GlanceImage;
    } catch (err) {
      if (err instanceof GlanceError && err.status === 404) return null;
      throw err;
    }
  }

  /** The image's data as a stream (the HTTP status is checked before it is handed out). */
  async download(id: string): Promise<Readable> {
    const res = await this.request('GET', `/v2/images/${encodeURIComponent(id)}/file`, {}, false);
    if (res.status === 204 || !res.body) throw new GlanceError(`Glance image ${id} has no data.`, 204);
    return Readable.fromWeb(res.body as WebReadableStream<Uint8Array>);
  }

  /** A new image record (status queued) owned by `owner`. */
  async createImage(fields: {
    name: string;
    owner: string;
    container_format: string;
    disk_format: string;
    visibility?: 'private' | 'shared' | 'public' | 'community';
    properties?: Record<string, string>;
  }): Promise<GlanceImage> {
    const { properties, ...rest } = fields;
    return (await this.json('POST', '/v2/images', { ...rest, ...(properties ?? {}) })) as GlanceImage;
  }

  /** Streams the data of a queued image; Glance computes its checksum and makes it active. */
  async upload(id: string, data: Readable): Promise<void> {
    const res = await this.request(
      'PUT',
      `/v2/images/${encodeURIComponent(id)}/file`,
      {
        headers: { 'Content-Type': 'application/octet-stream' },
        body: Readable.toWeb(data) as unknown as RequestInit['body'],
        duplex: 'half',
      },
      true,
      // The upload lasts as long as the data takes; only the connection is bounded.
      0,
    );
    await res.arrayBuffer();
  }

  async deleteImage(id: string): Promise<void> {
    try {
      await this.json('DELETE', `/v2/images/${encodeURIComponent(id)}`);
    } catch (err) {
      if (!(err instanceof GlanceError && err.status === 404)) throw err;
    }
  }

  private async json(method: string, path: string, body?: unknown): Promise<unknown> {
    const res = await this.request(
      method,
      path,
      body === undefined
        ? {}
        : { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) },
    );
    const text = await res.text();
    return text ? JSON.parse(text) : null;
  }

  private async request(
    method: string,
    path: string,
    init: RequestInit & { duplex?: 'half' },
    retryOn401 = true,
    timeoutS = this.settings.timeoutS,
  ): Promise<Response> {
    const token = await this.currentToken();
    const url = `${token.glanceUrl}${path}`;
    const res = await call(`Glance at ${token.glanceUrl}`, url, {
      ...init,
      method,
      headers: { ...(init.headers as Record<string, string>), 'X-Auth-Token': token.value },
      signal: timeoutS > 0 ? AbortSignal.timeout(timeoutS * 1000) : undefined,
    });
    if (res.status === 401 && retryOn401 && init.body === undefined) {
      // Revoked or rotated keys: one fresh token, then the answer stands.
      this.session.forget();
      return this.request(method, path, init, false, timeoutS);
    }
    if (res.status >= 400) {
      const detail = (await res.text())
        .replace(/<[^>]+>/g, ' ')
        .replace(/\s+/g, ' ')
        .trim();
      throw new GlanceError(`Glance answered ${res.status} to ${method} ${path}: ${detail}`, res.status);
    }
    return res;
  }

  /** The service token and the image endpoint: `api_servers`, or the public one of the region in its catalog. */
  private async currentToken(): Promise<{ value: string; glanceUrl: string }> {
    const token = await this.session.current();
    const s = this.settings;
    const glanceUrl = (s.apiServers ?? imageEndpoint(token.catalog, s.regionName)).replace(/\/+$/, '');
    return { value: token.value, glanceUrl };
  }
}

function imageEndpoint(catalog: CatalogEntry[], region: string): string {
  const endpoint = catalog
    .filter((e) => e.type === 'image')
    .flatMap((e) => e.endpoints)
    .find((e) => e.interface === 'public' && (e.region_id ?? e.region) === region);
  if (!endpoint) {
    throw new GlanceError(
      `No public image endpoint in region ${region} in Keystone's catalog: set [glance] api_servers.`,
    );
  }
  return endpoint.url;
}

function usableBy(image: GlanceImage, projectId: string): boolean {
  return image.owner === projectId || image.visibility === 'public' || image.visibility === 'community';
}

/** fetch, with a refused or timed-out connection worded as the service being unreachable. */
async function call(service: string, url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    const why =
      e.name === 'TimeoutError' ? 'no answer in time' : (e.cause?.code ?? e.cause?.message ?? e.message);
    throw new GlanceError(`${service} is unreachable (${why}).`);
  }
}
