import { QueryInterface } from 'sequelize';

/**
 * The quota check as two database functions, so that a create can check its project's quota
 * and insert its row in one statement (no BEGIN/COMMIT and no separate round trips for the
 * lock and the count), and every caller counts usage by the same rule.
 *
 * zun_project_usage(project): what a project holds. Containers: plain containers (type 0) and
 * capsule members and init containers (2, 3), each a container of the engine; cpu and memory:
 * plain containers and capsules (0, 1), whose rows carry their members' totals; disk: plain
 * containers. A create that failed for want of a host (Error, no host) holds nothing. Cpu is
 * rounded to thousandths, so that ten times 0.1 is 1.0 and not a hair over a limit of 1.
 *
 * zun_quota_check(project, defaults, delta, take_lock): the project's limits (`defaults`, then
 * the quota class `default`, then the project's own), and, only when the request adds to a
 * resource that is limited (not -1), the project's usage after taking its quota lock, and
 * whether the request fits. The lock is held until the caller's transaction ends, so two
 * creates of one project check and insert one after the other, whatever zun-api process they
 * reach; projects unlimited in what they add are neither locked nor counted. Both functions are
 * VOLATILE: each of their queries reads a snapshot taken when it runs, so the count made after
 * the lock sees every create that held the lock before, even when the function is called by a
 * statement that began earlier.
 *
 * zun_quota_enforce(project, defaults, delta, new_uuid): the check, locked, for the statement
 * that inserts the row `new_uuid`; raises SQLSTATE ZQ001 (detail: the limits and usage, as JSON)
 * when the request does not fit, which undoes the whole statement. The new row is left out of
 * the count, whichever part of the statement runs first.
 */
export async function up(q: QueryInterface): Promise<void> {
  await q.sequelize.query(`
    CREATE OR REPLACE FUNCTION zun_project_usage(project text, except_uuid text DEFAULT NULL) RETURNS jsonb
    LANGUAGE sql VOLATILE AS $$
      SELECT jsonb_build_object(
               'containers', count(*) FILTER (WHERE container_type IN (0, 2, 3)),
               'memory', coalesce(sum(CASE WHEN container_type IN (0, 1) THEN NULLIF(memory, '')::numeric END), 0),
               'cpu', round(coalesce(sum(CASE WHEN container_type IN (0, 1) THEN cpu END), 0)::numeric, 3),
               'disk', coalesce(sum(CASE WHEN container_type = 0 THEN disk END), 0))
        FROM containers
       WHERE project_id = project AND NOT (status = 'Error' AND host IS NULL)
         AND uuid IS DISTINCT FROM except_uuid
    $$`);
  await q.sequelize.query(`
    CREATE OR REPLACE FUNCTION zun_quota_check(project text, defaults jsonb, delta jsonb, take_lock boolean,
                                               except_uuid text, OUT limits jsonb, OUT usage jsonb, OUT ok boolean)
    LANGUAGE plpgsql VOLATILE AS $$
    BEGIN
      limits := defaults
        || coalesce((SELECT jsonb_object_agg(resource, hard_limit) FROM quota_classes WHERE class_name = 'default'), '{}')
        || coalesce((SELECT jsonb_object_agg(resource, hard_limit) FROM quotas WHERE project_id = project), '{}');
      ok := true;
      IF NOT EXISTS (SELECT 1 FROM jsonb_each_text(delta) d
                      WHERE d.value::numeric > 0 AND (limits->>d.key)::numeric >= 0) THEN
        RETURN;
      END IF;
      IF take_lock THEN
        PERFORM pg_advisory_xact_lock(hashtext('zun-quota:' || project));
      END IF;
      usage := zun_project_usage(project, except_uuid);
      ok := NOT EXISTS (SELECT 1 FROM jsonb_each_text(delta) d
                         WHERE d.value::numeric > 0 AND (limits->>d.key)::numeric >= 0
                           AND (usage->>d.key)::numeric + d.value::numeric > (limits->>d.key)::numeric);
    END $$`);
  await q.sequelize.query(`
    CREATE OR REPLACE FUNCTION zun_quota_enforce(project text, defaults jsonb, delta jsonb, new_uuid text)
    RETURNS void LANGUAGE plpgsql VOLATILE AS $$
    DECLARE r record;
    BEGIN
      SELECT * INTO r FROM zun_quota_check(project, defaults, delta, true, new_uuid);
      IF NOT r.ok THEN
        RAISE EXCEPTION 'quota exceeded' USING ERRCODE = 'ZQ001',
          DETAIL = json_build_object('limits', r.limits, 'usage', r.usage)::text;
      END IF;
    END $$`);
}

export async function down(q: QueryInterface): Promise<void> {
  await q.sequelize.query('DROP FUNCTION IF EXISTS zun_quota_enforce(text, jsonb, jsonb, text)');
  await q.sequelize.query('DROP FUNCTION IF EXISTS zun_quota_check(text, jsonb, jsonb, boolean, text)');
  await q.sequelize.query('DROP FUNCTION IF EXISTS zun_project_usage(text, text)');
}
