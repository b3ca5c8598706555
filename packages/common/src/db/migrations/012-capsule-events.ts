import { QueryInterface } from 'sequelize';

/** The trigger function of migration 011, announcing the given extra `json_build_object` pairs. */
const notifyFunction = (extra: string): string => `
    CREATE OR REPLACE FUNCTION zun_container_notify() RETURNS trigger AS $$
    DECLARE r RECORD;
    BEGIN
      IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
      PERFORM pg_notify('zun_container_events',
        json_build_object('op', lower(TG_OP), 'uuid', r.uuid, 'project_id', r.project_id,
          'container_type', r.container_type${extra})::text);
      RETURN NULL;
    END $$ LANGUAGE plpgsql`;

/**
 * The container change notification also names the capsule a row belongs to (`capsule_id`,
 * null for plain containers and sandboxes), so that a change of a member reaches the streams
 * of its capsule even when the row is already gone.
 */
export async function up(q: QueryInterface): Promise<void> {
  await q.sequelize.query(notifyFunction(", 'capsule_id', r.capsule_id"));
}

export async function down(q: QueryInterface): Promise<void> {
  await q.sequelize.query(notifyFunction(''));
}
