import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { BatchedStderr, createLogger } from './logging';

describe('BatchedStderr', () => {
  it('writes the lines logged in one turn of the event loop once, in order, at its end', async () => {
    const writes: string[] = [];
    const t = new BatchedStderr({ write: (s: string) => writes.push(s) });
    const logger = createLogger('test');
    logger.clear().add(t);
    for (let i = 0; i < 50; i += 1) logger.info('line', { i });
    expect(writes).toEqual([]);
    await new Promise((r) => setImmediate(r));
    expect(writes).toHaveLength(1);
    const lines = writes[0]
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { i: number; service: string });
    expect(lines.map((l) => l.i)).toEqual([...Array(50).keys()]);
    expect(lines[0].service).toBe('test');
    logger.info('later');
    t.close();
    // Closing (as at exit) writes what is pending at once.
    expect(writes).toHaveLength(2);
    expect(writes[1]).toContain('"message":"later"');
  });

  it('flushes at process exit, so a daemon that stops loses no line', () => {
    const script =
      "const { createLogger } = require('./dist/logging'); createLogger('x').info('last words'); process.exit(3);";
    const r = spawnSync(process.execPath, ['-e', script], {
      cwd: path.join(__dirname, '..'),
      encoding: 'utf8',
    });
    expect(r.status).toBe(3);
    expect(r.stderr).toContain('"message":"last words"');
  });
});
