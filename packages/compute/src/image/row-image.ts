import { GlanceError, type Container } from '@zun/common';
import type { ImageInspect } from '../docker/engine';
import type { ManagerContext } from '../manager/context';

/** The glance driver of this agent, or a clear error when `[glance]` is not configured here. */
export function glanceDriver(ctx: ManagerContext): NonNullable<ManagerContext['glance']> {
  if (!ctx.glance) {
    throw new GlanceError(
      `The glance image driver is not configured on host ${ctx.host}: set [glance] auth_url and the service credential in its zun.conf.`,
    );
  }
  return ctx.glance;
}

/**
 * The image of a row whose container is made again (rebuild, auto_heal), from the driver the
 * row names: Glance (the host's cache, else a download) or a registry.
 */
export async function ensureRowImage(
  ctx: ManagerContext,
  c: Container,
  policy: string | null,
): Promise<{ ref: string; inspect: ImageInspect }> {
  if (c.image_driver === 'glance') return glanceDriver(ctx).ensure({ ...c.get(), image_pull_policy: policy });
  return ctx.images.ensureForRow(c, policy);
}
