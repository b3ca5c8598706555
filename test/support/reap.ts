import type Docker from 'dockerode';
import { LABEL_HOST, LABEL_MANAGED } from '@zun/common';

/**
 * Networks and volumes a test host's agent created (by our host label): project volumes outlive
 * their containers and networks may outlive a stopped agent, so stacks reap them at the end.
 */
export async function reapNetworksAndVolumes(docker: Docker, host: string): Promise<void> {
  const mine = { label: [`${LABEL_HOST}=${host}`] };
  for (const n of await docker.listNetworks({ filters: mine })) {
    await docker
      .getNetwork(n.Id)
      .remove()
      .catch(() => undefined);
  }
  for (const v of (await docker.listVolumes({ filters: mine })).Volumes ?? []) {
    await docker
      .getVolume(v.Name)
      .remove()
      .catch(() => undefined);
  }
}

/** Host names the test stacks give their agents: TestStack's `test-<hex>`, AioStack's `e2e-…`. */
const TEST_HOST = /^(test|e2e)-[\w-]+$/;
/** Older than any test run: a test stack's network this old was left by a run that was killed. */
const STALE_MS = 60 * 60 * 1000;

/**
 * Networks that test hosts left behind in killed runs (a killed run skips its stacks' reaping).
 * Each holds one of the engine's address pools, so enough of them make every later project
 * network fail with "could not find an available, non-overlapping IPv4 address pool". Only
 * networks of test host names older than any run; the engine itself refuses to remove one that
 * a container is on. A run beside this one, and a user's own `npm start` on the same engine,
 * are left alone.
 */
export async function reapStaleTestNetworks(docker: Docker, now = Date.now()): Promise<number> {
  let reaped = 0;
  for (const n of await docker.listNetworks({ filters: { label: [`${LABEL_MANAGED}=true`] } })) {
    if (!TEST_HOST.test(n.Labels?.[LABEL_HOST] ?? '')) continue;
    if (now - Date.parse(n.Created) < STALE_MS) continue;
    await docker
      .getNetwork(n.Id)
      .remove()
      .then(() => reaped++)
      .catch(() => undefined); // in use (403) or gone meanwhile (404)
  }
  return reaped;
}
