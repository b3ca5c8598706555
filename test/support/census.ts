import type Docker from 'dockerode';
import { Client } from 'pg';
import { LABEL_CAPSULE, LABEL_HOST, LABEL_UUID } from '@zun/common';

/**
 * What a fault scenario asserts once the system has had time to recover: every container row is
 * settled (no task in flight, Error only with a reason), no engine container of ours without a
 * row, no capsule volume without its capsule, no claim without a live container, and every
 * request the API acknowledged has its row.
 */
export interface Census {
  rows: number;
  byStatus: Record<string, number>;
  /** Every row as `uuid status reason`, for a failure message that says which row and why. */
  described: { uuid: string; status: string; reason: string | null }[];
  /** Rows with a task_state still set, or in a transitional status. */
  unsettled: string[];
  errorsWithoutReason: string[];
  /** Engine containers labelled with our host that have no row. */
  leakedEngineContainers: string[];
  /** Engine volumes made for a capsule (labelled with it) whose capsule has no row. */
  leakedVolumes: string[];
  /** Claims whose container has no row or is in Error (an Error container holds nothing). */
  leakedClaims: string[];
  /** Tasks not finished (pending or running). */
  openTasks: number;
  /** Acknowledged (202) creates whose row is missing. */
  lostRequests: string[];
}

const TRANSITIONAL = new Set(['Creating', 'Deleting', 'Restarting', 'Rebuilding']);

export async function takeCensus(
  dbUrl: string,
  docker: Docker,
  host: string,
  acknowledged: string[] = [],
): Promise<Census> {
  const db = new Client({ connectionString: dbUrl });
  await db.connect();
  try {
    const rows = (
      await db.query<{
        uuid: string;
        status: string;
        status_reason: string | null;
        task_state: string | null;
      }>('SELECT uuid, status, status_reason, task_state FROM containers WHERE host = $1 OR host IS NULL', [
        host,
      ])
    ).rows;
    const claims = (
      await db.query<{ container_uuid: string }>(
        'SELECT container_uuid FROM resource_claims WHERE host = $1',
        [host],
      )
    ).rows;
    const openTasks = Number(
      (
        await db.query<{ n: string }>(
          "SELECT count(*) AS n FROM compute_tasks WHERE host = $1 AND state IN ('pending', 'running')",
          [host],
        )
      ).rows[0].n,
    );
    const allUuids = new Set(
      (await db.query<{ uuid: string }>('SELECT uuid FROM containers')).rows.map((r) => r.uuid),
    );
    const byUuid = new Map(rows.map((r) => [r.uuid, r]));
    const byStatus: Record<string, number> = {};
    for (const r of rows) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
    const engine = await docker.listContainers({ all: true, filters: { label: [`${LABEL_HOST}=${host}`] } });
    const capsuleVolumes =
      (await docker.listVolumes({ filters: { label: [`${LABEL_HOST}=${host}`, LABEL_CAPSULE] } })).Volumes ??
      [];
    return {
      rows: rows.length,
      byStatus,
      described: rows.map((r) => ({ uuid: r.uuid, status: r.status, reason: r.status_reason })),
      unsettled: rows
        .filter((r) => r.task_state !== null || TRANSITIONAL.has(r.status))
        .map((r) => `${r.uuid} ${r.status}/${r.task_state}`),
      errorsWithoutReason: rows.filter((r) => r.status === 'Error' && !r.status_reason).map((r) => r.uuid),
      leakedEngineContainers: engine
        .filter((c) => !byUuid.has(c.Labels[LABEL_UUID] ?? ''))
        .map((c) => `${c.Names[0]} ${c.State} created ${new Date(c.Created * 1000).toISOString()}`),
      leakedVolumes: capsuleVolumes
        .filter((v) => !byUuid.has(v.Labels?.[LABEL_CAPSULE] ?? ''))
        .map((v) => v.Name),
      leakedClaims: claims
        .filter(
          (c) =>
            byUuid.get(c.container_uuid)?.status === undefined ||
            byUuid.get(c.container_uuid)?.status === 'Error',
        )
        .map((c) => c.container_uuid),
      openTasks,
      lostRequests: acknowledged.filter((u) => !allUuids.has(u)),
    };
  } finally {
    await db.end();
  }
}

/** Takes censuses until `ok` holds or the time is up; returns the last one. */
export async function settle(
  take: () => Promise<Census>,
  ok: (c: Census) => boolean,
  timeoutMs: number,
): Promise<Census> {
  const deadline = Date.now() + timeoutMs;
  let last = await take();
  while (!ok(last) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    last = await take();
  }
  return last;
}

/** The invariants every scenario ends with. */
export function healthy(c: Census): boolean {
  return (
    c.unsettled.length === 0 &&
    c.errorsWithoutReason.length === 0 &&
    c.leakedEngineContainers.length === 0 &&
    c.leakedVolumes.length === 0 &&
    c.leakedClaims.length === 0 &&
    c.openTasks === 0 &&
    c.lostRequests.length === 0
  );
}
