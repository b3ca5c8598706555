import { createHash, type Hash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { Transform, pipeline, type Readable } from 'node:stream';
import { pipeline as pipelineAsync } from 'node:stream/promises';
import * as tar from 'tar-stream';
import type { GlanceImage } from '@zun/common';

/** The data downloaded from Glance is not what Glance recorded for the image. */
export class ChecksumMismatchError extends Error {}

/**
 * Writes the image data to `file`, hashing it on the way, and checks it against what Glance
 * recorded: the size, the MD5 `checksum` and the `os_hash_value` (multihash). Nothing of the
 * data is used before this passes.
 */
export async function downloadVerified(source: Readable, image: GlanceImage, file: string): Promise<void> {
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
  await pipelineAsync(source, hasher, createWriteStream(file));
  if (image.size !== null && image.size !== undefined && bytes !== image.size) {
    throw new ChecksumMismatchError(
      `Glance image ${image.id}: downloaded ${bytes} bytes, Glance recorded ${image.size}; nothing was loaded.`,
    );
  }
  for (const [what, h, expected] of hashes) {
    const got = h.digest('hex');
    if (got !== expected.toLowerCase()) {
      throw new ChecksumMismatchError(
        `Glance image ${image.id}: the downloaded data does not match its ${what} (expected ${expected}, got ${got}); nothing was loaded.`,
      );
    }
  }
}

/**
 * A `docker save` tarball without the repository tags it carries (manifest.json's RepoTags, the
 * `repositories` file, index.json's name annotations), so loading it can never re-point a name
 * on this host (say `busybox`) at a tenant's upload: the image is reached by its id and our own
 * cache tag only.
 */
export function untagged(source: Readable): Readable {
  const extract = tar.extract();
  const pack = tar.pack();
  extract.on('entry', (header, stream, next) => {
    if (header.name === 'repositories') {
      stream.on('end', () => next());
      stream.resume();
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
          next(new Error(`${header.name} is not valid JSON (${(err as Error).message})`));
        }
      });
      return;
    }
    stream.pipe(pack.entry(header, next));
  });
  pipeline(source, extract, (err) => {
    if (err)
      pack.destroy(new Error(`The image data is not a docker save tarball: ${(err as Error).message}`));
    else pack.finalize();
  });
  return pack;
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
