// The part of tar-stream 2 (a dependency of dockerode, no published types of its own here) that
// the Glance driver uses to rewrite `docker save` tarballs on the fly.
declare module 'tar-stream' {
  import type { Readable, Writable } from 'node:stream';

  export interface Headers {
    name: string;
    size?: number;
    type?: string;
    [field: string]: unknown;
  }

  export interface Extract extends Writable {
    on(
      event: 'entry',
      listener: (header: Headers, stream: Readable, next: (err?: Error) => void) => void,
    ): this;
    on(event: string, listener: (...args: unknown[]) => void): this;
  }

  export interface Pack extends Readable {
    entry(header: Headers, buffer: Buffer | string, callback?: (err?: Error) => void): Writable;
    entry(header: Headers, callback?: (err?: Error) => void): Writable;
    finalize(): void;
  }

  export function extract(): Extract;
  export function pack(): Pack;
}
