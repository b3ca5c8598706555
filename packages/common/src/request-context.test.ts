import { Writable } from 'node:stream';
import winston from 'winston';
import { createLogger } from './logging';
import { currentRequestId, runWithRequestId } from './request-context';

/** A logger like the daemons', whose JSON lines are collected instead of written to stderr. */
function capturingLogger(): { logger: winston.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger('test');
  logger.clear();
  logger.add(
    new winston.transports.Stream({
      stream: new Writable({
        write(chunk: Buffer, _enc, done) {
          lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
          done();
        },
      }),
    }),
  );
  return { logger, lines };
}

test('the request id is the one of the innermost context, across awaits, and absent outside', async () => {
  expect(currentRequestId()).toBeUndefined();
  await runWithRequestId('req-a', async () => {
    await new Promise((r) => setTimeout(r, 5));
    expect(currentRequestId()).toBe('req-a');
    runWithRequestId('req-b', () => expect(currentRequestId()).toBe('req-b'));
    expect(currentRequestId()).toBe('req-a');
  });
  expect(currentRequestId()).toBeUndefined();
});

test('every log line in a context carries its request_id; an explicit one wins; none outside', async () => {
  const { logger, lines } = capturingLogger();
  await runWithRequestId('req-ctx', async () => {
    await Promise.resolve();
    logger.info('in context');
    logger.child({ uuid: 'c1' }).warn('child in context');
    logger.info('explicit', { request_id: 'req-other' });
  });
  logger.info('outside');
  await new Promise((r) => setImmediate(r));
  expect(lines.map((l) => [l.message, l.request_id])).toEqual([
    ['in context', 'req-ctx'],
    ['child in context', 'req-ctx'],
    ['explicit', 'req-other'],
    ['outside', undefined],
  ]);
});
