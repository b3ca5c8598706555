import { ConflictError, type Container } from '@zun/common';

/** POST /v1/containers/{id}/rename?name= (API ≤ 1.13; PATCH {"name"} from 1.14). */
export async function renameContainer(c: Container, name: string): Promise<Container> {
  if (c.name === name) {
    throw new ConflictError(`The new name for the container is the same as the old name ${name}.`);
  }
  await c.update({ name });
  return c;
}
