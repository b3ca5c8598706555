import type Docker from 'dockerode';
import { engineCall, isConflict, isNotFound, toEngineError, unlessNotFound } from './errors';

export type NetworkInspect = Docker.NetworkInspectInfo;
export type VolumeInspect = Docker.VolumeInspectInfo;

/** Docker networks, by name or id; everything created here carries the caller's labels. */
export interface NetworkEngine {
  inspect(nameOrId: string): Promise<NetworkInspect | null>;
  /** Creates a bridge network; an existing network of that name is returned as it is. */
  ensure(name: string, labels: Record<string, string>): Promise<NetworkInspect>;
  list(labels: string[]): Promise<NetworkInspect[]>;
  remove(id: string): Promise<void>;
  connect(networkId: string, containerId: string): Promise<void>;
  disconnect(networkId: string, containerId: string): Promise<void>;
  /**
   * Ids of containers (running or not) configured on the network. By name: the engine's filter by
   * network id misses containers created on it but never started.
   */
  containers(networkName: string): Promise<string[]>;
}

export interface VolumeEngine {
  /** Creates a local volume; an existing volume of that name is returned as it is. */
  ensure(name: string, labels: Record<string, string>): Promise<VolumeInspect>;
  list(labels: string[]): Promise<VolumeInspect[]>;
  remove(name: string): Promise<void>;
}

export class DockerNetworks implements NetworkEngine {
  constructor(private readonly docker: Docker) {}

  async inspect(nameOrId: string): Promise<NetworkInspect | null> {
    return (await unlessNotFound(this.docker.getNetwork(nameOrId).inspect())) as NetworkInspect | null;
  }

  async ensure(name: string, labels: Record<string, string>): Promise<NetworkInspect> {
    const existing = await this.inspect(name);
    if (existing) return existing;
    try {
      await this.docker.createNetwork({ Name: name, Driver: 'bridge', CheckDuplicate: true, Labels: labels });
    } catch (err) {
      // 409: created meanwhile (by another agent on the same engine); use it.
      if (!isConflict(err)) throw toEngineError(err);
    }
    const created = await this.inspect(name);
    if (!created) throw new Error(`network ${name} vanished right after creation`);
    return created;
  }

  list(labels: string[]): Promise<NetworkInspect[]> {
    return engineCall(this.docker.listNetworks({ filters: { label: labels } }) as Promise<NetworkInspect[]>);
  }

  async remove(id: string): Promise<void> {
    try {
      await this.docker.getNetwork(id).remove();
    } catch (err) {
      if (!isNotFound(err)) throw toEngineError(err);
    }
  }

  async connect(networkId: string, containerId: string): Promise<void> {
    await engineCall(this.docker.getNetwork(networkId).connect({ Container: containerId }));
  }

  async disconnect(networkId: string, containerId: string): Promise<void> {
    await engineCall(this.docker.getNetwork(networkId).disconnect({ Container: containerId, Force: true }));
  }

  async containers(networkName: string): Promise<string[]> {
    const list = await engineCall(
      this.docker.listContainers({ all: true, filters: { network: [networkName] } }),
    );
    return list.map((c) => c.Id);
  }
}

export class DockerVolumes implements VolumeEngine {
  constructor(private readonly docker: Docker) {}

  async ensure(name: string, labels: Record<string, string>): Promise<VolumeInspect> {
    // The engine's create is idempotent: an existing volume comes back with its own labels.
    const v = await engineCall(this.docker.createVolume({ Name: name, Driver: 'local', Labels: labels }));
    return (await engineCall(v.inspect())) as VolumeInspect;
  }

  async list(labels: string[]): Promise<VolumeInspect[]> {
    const r = await engineCall(this.docker.listVolumes({ filters: { label: labels } }));
    return (r.Volumes ?? []) as VolumeInspect[];
  }

  async remove(name: string): Promise<void> {
    try {
      await this.docker.getVolume(name).remove();
    } catch (err) {
      if (!isNotFound(err)) throw toEngineError(err);
    }
  }
}
