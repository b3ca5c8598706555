import type Docker from 'dockerode';

/**
 * Networks and volumes a test host's agent created (by our host label): project volumes outlive
 * their containers and networks may outlive a stopped agent, so stacks reap them at the end.
 */
export async function reapNetworksAndVolumes(docker: Docker, host: string): Promise<void> {
  const mine = { label: [`org.openstack.zun.host=${host}`] };
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
