import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { EngineError, isNotFound, toEngineError } from './errors';

/** Images as files: `docker load` / `docker save`, for images that come from or go to Glance. */
export interface ImageFileEngine {
  /**
   * Loads a `docker save` tarball and gives the id of the image it held. The tarball must name
   * no repository tags (see the Glance driver), so the engine reports the bare image id.
   */
  load(tar: Readable): Promise<string>;
  /** `docker save` of one image, streamed. */
  save(ref: string): Promise<Readable>;
  tag(id: string, repo: string, tag: string): Promise<void>;
  /** Removes an image by id or reference; one that is gone already is fine. */
  remove(ref: string): Promise<void>;
}

export class DockerImageFiles implements ImageFileEngine {
  constructor(private readonly docker: Docker) {}

  async load(tar: Readable): Promise<string> {
    let res: NodeJS.ReadableStream;
    try {
      res = (await this.docker.loadImage(tar, { quiet: true })) as NodeJS.ReadableStream;
    } catch (err) {
      throw toEngineError(err);
    }
    // The answer is a JSON message stream: {"stream":"Loaded image ID: sha256:..."} or {"error":...}.
    let text = '';
    for await (const chunk of res) text += chunk.toString();
    const messages = text
      .split(/\r?\n/)
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as { stream?: string; error?: string });
    const failed = messages.find((m) => m.error);
    if (failed) throw new EngineError(`docker load failed: ${failed.error}`, 500);
    const id = messages.map((m) => /Loaded image ID: (\S+)/.exec(m.stream ?? '')?.[1]).find(Boolean);
    if (!id) throw new EngineError(`docker load reported no image id: ${text.trim().slice(0, 300)}`, 500);
    return id;
  }

  async save(ref: string): Promise<Readable> {
    try {
      return (await this.docker.getImage(ref).get()) as unknown as Readable;
    } catch (err) {
      throw toEngineError(err);
    }
  }

  async tag(id: string, repo: string, tag: string): Promise<void> {
    try {
      await this.docker.getImage(id).tag({ repo, tag });
    } catch (err) {
      throw toEngineError(err);
    }
  }

  async remove(ref: string): Promise<void> {
    try {
      await this.docker.getImage(ref).remove({ force: true });
    } catch (err) {
      if (!isNotFound(err)) throw toEngineError(err);
    }
  }
}
