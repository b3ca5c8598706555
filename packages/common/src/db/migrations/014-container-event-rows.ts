import { QueryInterface } from 'sequelize';

/**
 * The container change notification (migration 011, 012) also carries the row as it now is
 * (`row`, to_jsonb of the new row) for an insert or update, when the whole payload stays under
 * PostgreSQL's 8000-byte limit on a notification; a larger row (a big environment, say) is
 * announced without it, as before. A zun-api then keeps the row of its cached show from the
 * notification instead of reading it again: a client waiting for a status is answered without
 * a query, at the moment the change is committed.
 */
export async function up(q: QueryInterface): Promise<void> {
  await q.sequelize.query(`
    CREATE OR REPLACE FUNCTION zun_container_notify() RETURNS trigger AS $$
    DECLARE r RECORD; base jsonb; payload text;
    BEGIN
      IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
      base := jsonb_build_object('op', lower(TG_OP), 'uuid', r.uuid, 'project_id', r.project_id,
        'container_type', r.container_type, 'capsule_id', r.capsule_id);
      IF TG_OP <> 'DELETE' THEN
        payload := (base || jsonb_build_object('row', to_jsonb(NEW)))::text;
        IF octet_length(payload) < 7900 THEN
          PERFORM pg_notify('zun_container_events', payload);
          RETURN NULL;
        END IF;
      END IF;
      PERFORM pg_notify('zun_container_events', base::text);
      RETURN NULL;
    END $$ LANGUAGE plpgsql`);
}

/** Back to the notification of migration 012, without the row. */
export { up as down } from './012-capsule-events';
