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
 *
 * The requests are kept on the row, so a container made again without its predecessor
 * (auto_heal, rebuild) gets the same mounts: volumes that still exist are reused with their
 * data, a vanished sized volume comes back empty with the same labels, a missing injected file
 * is written again from the stored content.
 */
export const projectVolumeName = (project: string, name: string): string => `zun-${project}-${name}`;
const injectedDir = (ctx: ManagerContext, uuid: string): string =>
  path.join(ctx.config.compute.statePath, 'injected', uuid);
const SIZE_LABEL = 'org.openstack.zun.size_gib';

/**
 * Where a mount lives on the host: derived from the row and the mount's position, so what is
 * stored on the row never names a host path.
 */
function sourceOf(ctx: ManagerContext, c: Container, m: MountRequest, i: number): string {
  if (m.type === 'bind') return path.join(injectedDir(ctx, c.uuid), String(i));
  return m.name !== null ? projectVolumeName(c.project_id, m.name) : `zun-${c.uuid}-${i}`;
}

/** Create: makes every mount afresh. */
export async function prepareMounts(
  ctx: ManagerContext,
  c: Container,
  mounts: MountRequest[],
): Promise<MountSpec[]> {
  return makeMounts(ctx, c, mounts, true);
}

/** Recreate: the mounts the row's requests asked for, reusing what is still there. */
export async function restoreMounts(
  ctx: ManagerContext,
  c: Container,
  mounts: MountRequest[],
): Promise<MountSpec[]> {
  return makeMounts(ctx, c, mounts, false);
}

async function makeMounts(
  ctx: ManagerContext,
  c: Container,
  plan: MountRequest[],
  fresh: boolean,
): Promise<MountSpec[]> {
  const specs: MountSpec[] = [];
  const base = { [LABEL_MANAGED]: 'true', [LABEL_PROJECT]: c.project_id, [LABEL_HOST]: ctx.host };
  for (const [i, m] of plan.entries()) {
    const source = sourceOf(ctx, c, m, i);
    if (m.type === 'bind') {
      await mkdir(path.dirname(source), { recursive: true, mode: 0o700 });
      await writeInjected(source, m.content, fresh);
      specs.push({ type: 'bind', source, target: m.destination, readOnly: true });
      continue;
    }
    const labels =
      m.name !== null
        ? { ...base, [LABEL_VOLUME]: m.name }
        : { ...base, [LABEL_UUID]: c.uuid, [SIZE_LABEL]: String(m.size) };
    // The engine's create is idempotent: an existing volume keeps its data and its own labels.
    const v = await ctx.engine.volumes.ensure(source, labels);
    const [label, owner, id] =
      m.name !== null ? [LABEL_PROJECT, 'project', c.project_id] : [LABEL_UUID, 'container', c.uuid];
    if (v.Labels?.[LABEL_MANAGED] !== 'true' || v.Labels?.[label] !== id) {
      throw new Error(`Docker volume ${source} exists but does not belong to ${owner} ${id}`);
    }
    specs.push({ type: 'volume', source, target: m.destination, readOnly: false });
  }
  return specs;
}

/** On a recreate an existing file is left alone: it already holds the stored content. */
async function writeInjected(file: string, base64: string, fresh: boolean): Promise<void> {
  try {
    await writeFile(file, Buffer.from(base64, 'base64'), { mode: 0o644, flag: fresh ? 'w' : 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}

/** Removes what lives only as long as the container: its sized volumes and injected files. */
export async function releaseMounts(ctx: ManagerContext, c: Container): Promise<void> {
  for (const v of await ctx.engine.volumes.list([`${LABEL_MANAGED}=true`, `${LABEL_UUID}=${c.uuid}`])) {
    await ctx.engine.volumes.remove(v.Name);
  }
  await rm(injectedDir(ctx, c.uuid), { recursive: true, force: true });
}
