import { QueryInterface } from 'sequelize';

/**
 * Every committed change of a container row (insert, update, delete) is announced on the
 * channel CONTAINER_EVENTS_CHANNEL (contract.ts) with `{"op","uuid","project_id","container_type"}`, whoever
 * wrote it (API, agents, reconcile). A trigger rather than NOTIFYs in the code, because rows
 * change in dozens of places; PostgreSQL delivers it only if the transaction commits.
 */
export async function up(q: QueryInterface): Promise<void> {
  await q.sequelize.query(`
    CREATE OR REPLACE FUNCTION zun_container_notify() RETURNS trigger AS $$
    DECLARE r RECORD;
    BEGIN
      IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
      PERFORM pg_notify('zun_container_events',
        json_build_object('op', lower(TG_OP), 'uuid', r.uuid, 'project_id', r.project_id,
          'container_type', r.container_type)::text);
      RETURN NULL;
    END $$ LANGUAGE plpgsql`);
  await q.sequelize.query(`
    CREATE TRIGGER containers_notify AFTER INSERT OR UPDATE OR DELETE ON containers
    FOR EACH ROW EXECUTE FUNCTION zun_container_notify()`);
}

export async function down(q: QueryInterface): Promise<void> {
  await q.sequelize.query('DROP TRIGGER IF EXISTS containers_notify ON containers');
  await q.sequelize.query('DROP FUNCTION IF EXISTS zun_container_notify()');
}
