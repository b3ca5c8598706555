import { Image, ImageStatus, ServiceUnavailableError } from '@zun/common';
import type { ComputeDeps } from '../deps';
import { agentEndpoint } from '../dispatch';

/**
 * DELETE /v1/images/{uuid}: the host's agent removes the image (an image a container uses is a
 * 409 and everything stays), then the record goes. A record that never got an image (its pull
 * failed) goes at once; one still pulling waits for the agent to finish and remove it.
 */
export async function deleteImage(deps: ComputeDeps, image: Image): Promise<void> {
  if (image.image_id !== null || image.status === ImageStatus.Pulling) {
    const endpoint = await agentEndpoint(image.host);
    if (!endpoint)
      throw new ServiceUnavailableError(`Compute host ${image.host} has no registered endpoint.`);
    await deps.agents.removeImage(endpoint, image.uuid);
  }
  await image.destroy();
}
