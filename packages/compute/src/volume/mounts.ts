import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  LABEL_HOST,
  LABEL_MANAGED,
  LABEL_PROJECT,
  LABEL_UUID,
  LABEL_VOLUME,
  type Container,
  type MountRequest,
} from '@zun/common';
import type { MountSpec } from '../docker/engine';
import type { ManagerContext } from '../manager/context';

/**
 * Volumes without Cinder. A named volume NAME of project P is the local Docker volume
 * `zun-<P>-<NAME>`: created on first use, labelled as ours, kept when the container goes and
 * reused by P's next containers (other projects cannot name it). A sized volume lives as long
 * as its container (labelled with its uuid; the local driver cannot enforce the size). Bind
 * content is written to a file the agent owns under <state_path>/injected/<uuid>/ and
 * bind-mounted read-only. Nothing here ever mounts a path the tenant chose on the host.
 */
export const projectVolumeName = (project: string, name: string): string => `zun-${project}-${name}`;
const injectedDir = (ctx: ManagerContext, uuid: string): string =>
  path.join(ctx.config.compute.statePath, 'injected', uuid);

export async function prepareMounts(
  ctx: ManagerContext,
  c: Container,
  mounts: MountRequest[],
): Promise<MountSpec[]> {
  const specs: MountSpec[] = [];
  const base = { [LABEL_MANAGED]: 'true', [LABEL_PROJECT]: c.project_id, [LABEL_HOST]: ctx.host };
  for (const [i, m] of mounts.entries()) {
    if (m.type === 'bind') {
      const dir = injectedDir(ctx, c.uuid);
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const file = path.join(dir, String(i));
      await writeFile(file, Buffer.from(m.content, 'base64'), { mode: 0o644 });
      specs.push({ type: 'bind', source: file, target: m.destination, readOnly: true });
    } else if (m.name !== null) {
      const name = projectVolumeName(c.project_id, m.name);
      const v = await ctx.engine.volumes.ensure(name, { ...base, [LABEL_VOLUME]: m.name });
      if (v.Labels?.[LABEL_PROJECT] !== c.project_id || v.Labels?.[LABEL_MANAGED] !== 'true') {
        throw new Error(`Docker volume ${name} exists but does not belong to project ${c.project_id}`);
      }
      specs.push({ type: 'volume', source: name, target: m.destination, readOnly: false });
    } else {
      const name = `zun-${c.uuid}-${i}`;
      await ctx.engine.volumes.ensure(name, {
        ...base,
        [LABEL_UUID]: c.uuid,
        'org.openstack.zun.size_gib': String(m.size),
      });
      specs.push({ type: 'volume', source: name, target: m.destination, readOnly: false });
    }
  }
  return specs;
}

/** Removes what lives only as long as the container: its sized volumes and injected files. */
export async function releaseMounts(ctx: ManagerContext, c: Container): Promise<void> {
  for (const v of await ctx.engine.volumes.list([`${LABEL_MANAGED}=true`, `${LABEL_UUID}=${c.uuid}`])) {
    await ctx.engine.volumes.remove(v.Name);
  }
  await rm(injectedDir(ctx, c.uuid), { recursive: true, force: true });
}
