import type Docker from "dockerode";
import { InfrastructureError } from "../../errors";
import { engineFailure, isNotFound } from "./engine-errors";
import type { ResolvedImage } from "./image-aliases";

/** Fails the job with a message naming the image when the local engine does not have it (never pulls). */
export async function requireLocalImage(docker: Docker, resolved: ResolvedImage): Promise<void> {
  try {
    await docker.getImage(resolved.image).inspect();
  } catch (error) {
    if (!isNotFound(error)) throw engineFailure(`looking up image ${resolved.image}`, error);
    const via = resolved.alias === undefined ? "" : ` (image alias "${resolved.alias}" maps "${resolved.requested}" to it)`;
    throw new InfrastructureError(
      `Image "${resolved.image}"${via} is not present on this builder's Docker engine. ` +
        "Builders have no registry access: load the image into the builder's local engine (docker load) " +
        "or map the name to a local image in the builder's image alias map.",
      { cause: error },
    );
  }
}
