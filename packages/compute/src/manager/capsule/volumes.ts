import {
  LABEL_CAPSULE,
  LABEL_HOST,
  LABEL_MANAGED,
  LABEL_PROJECT,
  LABEL_VOLUME,
  type CapsuleVolume,
  type Container,
} from '@zun/common';
import type { MountSpec } from '../../docker/engine';
import { isConflict } from '../../docker/errors';
import { projectVolumeName } from '../../volume/mounts';
import type { ManagerContext } from '../context';

/**
 * A capsule's volumes without Cinder. A volume with `size` is the local engine volume
 * `zun-<capsule uuid>-<name>`, labelled with the capsule: it is removed with the capsule when
 * `autoRemove`, else kept on the host (the local driver records the size but cannot enforce it).
 * A volume with `volumeId` is the project's existing named volume of that name (what
 * `--mount source=<name>` makes for containers), never created here and never removed.
 */
const AUTO_REMOVE_LABEL = 'org.openstack.zun.auto_remove';
const SIZE_LABEL = 'org.openstack.zun.size_gib';

export const capsuleVolumeName = (capsuleUuid: string, name: string): string => `zun-${capsuleUuid}-${name}`;

/** Makes or finds every declared volume; the engine volume of each capsule volume name. */
export async function prepareCapsuleVolumes(
  ctx: ManagerContext,
  capsule: Container,
): Promise<Map<string, string>> {
  const sources = new Map<string, string>();
  for (const v of capsule.capsule_volumes ?? []) sources.set(v.name, await prepareOne(ctx, capsule, v));
  return sources;
}

async function prepareOne(ctx: ManagerContext, capsule: Container, v: CapsuleVolume): Promise<string> {
  if ('volumeId' in v) {
    const found = await ctx.engine.volumes.list([
      `${LABEL_MANAGED}=true`,
      `${LABEL_PROJECT}=${capsule.project_id}`,
      `${LABEL_VOLUME}=${v.volumeId}`,
    ]);
    const name = projectVolumeName(capsule.project_id, v.volumeId);
    if (!found.some((f) => f.Name === name)) {
      throw new Error(
        `Volume ${v.volumeId} of capsule volume ${v.name} is not a volume of project ${capsule.project_id} on host ${ctx.host}`,
      );
    }
    return name;
  }
  const name = capsuleVolumeName(capsule.uuid, v.name);
  // The engine's create is idempotent: a run again after an agent crash finds the volume with its data.
  const made = await ctx.engine.volumes.ensure(name, {
    [LABEL_MANAGED]: 'true',
    [LABEL_PROJECT]: capsule.project_id,
    [LABEL_HOST]: ctx.host,
    [LABEL_CAPSULE]: capsule.uuid,
    [SIZE_LABEL]: String(v.size),
    [AUTO_REMOVE_LABEL]: String(v.autoRemove),
  });
  if (made.Labels?.[LABEL_CAPSULE] !== capsule.uuid) {
    throw new Error(`Docker volume ${name} exists but does not belong to capsule ${capsule.uuid}`);
  }
  return name;
}

/** A part's mounts: each names a capsule volume (the API checked they are declared). */
export function partMounts(part: Container, sources: Map<string, string>): MountSpec[] {
  return (part.mounts ?? []).map((m) => {
    const source = m.type === 'volume' && m.name !== null ? sources.get(m.name) : undefined;
    if (!source) {
      throw new Error(
        `${part.name ?? part.uuid} mounts ${m.type === 'volume' && m.name ? `volume ${m.name}` : 'a volume'} ` +
          'that the capsule does not declare',
      );
    }
    return { type: 'volume', source, target: m.destination, readOnly: false };
  });
}

/**
 * Removes the capsule's autoRemove volumes. One still in use (by a container kept for its logs
 * after a failed create) stays until the capsule's delete, which removes its containers first.
 */
export async function releaseCapsuleVolumes(
  ctx: ManagerContext,
  capsule: Container,
  opts: { inUseIsFine: boolean },
): Promise<void> {
  const mine = await ctx.engine.volumes.list([
    `${LABEL_MANAGED}=true`,
    `${LABEL_CAPSULE}=${capsule.uuid}`,
    `${AUTO_REMOVE_LABEL}=true`,
  ]);
  for (const v of mine) {
    try {
      await ctx.engine.volumes.remove(v.Name);
    } catch (err) {
      if (!(opts.inUseIsFine && isConflict(err))) throw err;
    }
  }
}
