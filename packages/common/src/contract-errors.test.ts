import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ComputeAgentClient, type AgentErrorBody } from './contract';
import { RemoteError, ServiceUnavailableError, ZunError, causeChain } from './errors';

/** An agent's HTTP answers, as its error middleware writes them. */
function agentAnswering(status: number, body: AgentErrorBody): Promise<{ server: Server; url: string }> {
  const server = createServer((_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }),
    ),
  );
}

const client = new ComputeAgentClient('token', 5_000);
let server: Server | undefined;
afterEach(async () => {
  const s = server;
  server = undefined;
  if (s?.listening) await new Promise<void>((resolve) => s.close(() => resolve()));
});

test('a 5xx from the agent arrives with the agent error and its causes as the cause chain', async () => {
  const agent = await agentAnswering(500, {
    error: {
      status: 500,
      code: 'compute-error',
      message: 'no such image',
      cause: [
        { name: 'EngineError', message: 'no such image', status: 404 },
        { name: 'Error', message: '(HTTP code 404) no such image' },
      ],
    },
  });
  server = agent.server;
  const err = await client.stats(agent.url, 'c1').catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ZunError);
  expect((err as ZunError).status).toBe(500);
  const cause = (err as Error).cause;
  expect(cause).toBeInstanceOf(RemoteError);
  expect(cause).toMatchObject({
    origin: agent.url,
    status: 500,
    code: 'compute-error',
    message: 'no such image',
  });
  expect(causeChain(err).slice(1)).toEqual([
    { name: 'RemoteError', message: 'no such image', status: 500, code: 'compute-error' },
    { name: 'EngineError', message: 'no such image', status: 404, code: '' },
    { name: 'Error', message: '(HTTP code 404) no such image', status: 0, code: '' },
  ]);
});

test('a 4xx from the agent keeps its status and code, with the agent answer as cause', async () => {
  const agent = await agentAnswering(404, {
    error: { status: 404, code: 'container-not-found', message: 'Container c1 could not be found.' },
  });
  server = agent.server;
  const err = await client.top(agent.url, 'c1', null).catch((e: unknown) => e);
  expect(err).toMatchObject({ status: 404, code: 'container-not-found' });
  expect((err as Error).cause).toMatchObject({ status: 404, code: 'container-not-found', origin: agent.url });
});

test('an unreachable agent is a ServiceUnavailableError caused by the network error', async () => {
  const agent = await agentAnswering(200, { error: { status: 200, code: '', message: '' } });
  const url = agent.url;
  await new Promise<void>((resolve) => agent.server.close(() => resolve()));
  const err = await client.stats(url, 'c1').catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ServiceUnavailableError);
  // fetch's own failure (from Node's realm, so matched by shape rather than instanceof).
  expect((err as Error).cause).toMatchObject({ name: 'TypeError', message: 'fetch failed' });
});
