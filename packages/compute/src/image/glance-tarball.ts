import { createHash, type Hash } from 'node:crypto';
import { Transform, pipeline, type Readable } from 'node:stream';
import * as tar from 'tar-stream';
import type { GlanceImage } from '@zun/common';

/** The data downloaded from Glance is not what Glance recorded for the image. */
export class ChecksumMismatchError extends Error {}

/**
 * Passes a `docker save` tarball from Glance on to `docker load`, changed and checked on the way:
 *
 * - the repository tags it carries are dropped (manifest.json's RepoTags, the `repositories`
 *   file), so loading it can never re-point a name on this host (say `busybox`) at a tenant's
 *   upload; the image is reached by its id and our own cache tag only;
 * - the bytes are hashed as they pass (Glance's MD5 `checksum` and its `os_hash_value`), and
 *   the tarball is only closed when they match: on a mismatch it ends broken, so the engine
 *   loads nothing, and `verified` rejects with the reason.
 */
export function untaggedVerified(
  source: Readable,
  image: GlanceImage,
): { tar: Readable; verified: Promise<void> } {
  const hashes: [string, Hash, string][] = [];
  if (image.checksum) hashes.push(['checksum (md5)', createHash('md5'), image.checksum]);
  if (image.os_hash_algo && image.os_hash_value) {
    hashes.push([
      `os_hash_value (${image.os_hash_algo})`,
      createHash(image.os_hash_algo),
      image.os_hash_value,
    ]);
  }
  let bytes = 0;
  const hasher = new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      for (const [, h] of hashes) h.update(chunk);
      done(null, chunk);
    },
  });
  const extract = tar.extract();
  const pack = tar.pack();
  let settle: (err?: Error) => void = () => undefined;
  const verified = new Promise<void>((resolve, reject) => {
    settle = (err) => (err ? reject(err) : resolve());
  });
  verified.catch(() => undefined);

  extract.on('entry', (header, stream, next) => {
    if (header.name === 'repositories') {
      stream.resume();
      stream.on('end', () => next());
      return;
    }
    if (header.name === 'manifest.json' || header.name === 'index.json') {
      const parts: Buffer[] = [];
      stream.on('data', (c: Buffer) => parts.push(c));
      stream.on('end', () => {
        try {
          const rewritten = Buffer.from(withoutNames(header.name, Buffer.concat(parts).toString('utf8')));
          pack.entry({ ...header, size: rewritten.length }, rewritten, next);
        } catch (err) {
          next(
            new Error(
              `The image data is not a docker save tarball: ${header.name} is not valid JSON (${(err as Error).message})`,
            ),
          );
        }
      });
      return;
    }
    stream.pipe(pack.entry(header, next));
  });

  pipeline(source, hasher, extract, (err) => {
    if (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      pack.destroy(e);
      settle(e);
      return;
    }
    if (image.size !== null && image.size !== undefined && bytes !== image.size) {
      const e = new ChecksumMismatchError(
        `Glance image ${image.id}: downloaded ${bytes} bytes, Glance recorded ${image.size}; nothing was loaded.`,
      );
      pack.destroy(e);
      settle(e);
      return;
    }
    for (const [what, h, expected] of hashes) {
      const got = h.digest('hex');
      if (got !== expected.toLowerCase()) {
        const e = new ChecksumMismatchError(
          `Glance image ${image.id}: the downloaded data does not match its ${what} (expected ${expected}, got ${got}); nothing was loaded.`,
        );
        pack.destroy(e);
        settle(e);
        return;
      }
    }
    pack.finalize();
    settle();
  });
  return { tar: pack, verified };
}

function withoutNames(name: string, text: string): string {
  if (name === 'manifest.json') {
    const manifest = JSON.parse(text) as { RepoTags?: string[] | null }[];
    return JSON.stringify(manifest.map((m) => ({ ...m, RepoTags: null })));
  }
  const index = JSON.parse(text) as { manifests?: { annotations?: Record<string, string> }[] };
  return JSON.stringify({
    ...index,
    manifests: (index.manifests ?? []).map((m) => ({ ...m, annotations: undefined })),
  });
}
