// Whether the container tests can run here, and if not, why (the reason goes into the skipped
// tests' names, so a skip is never silent). scripts/container/ci.sh sets up podman's Docker API
// socket and builds the image, then runs these tests with DOCKER_HOST and SAMSA_IMAGE set.

import { existsSync } from 'node:fs'

export const IMAGE = process.env.SAMSA_IMAGE ?? 'localhost/samsa:ci'

export async function unavailableReason(): Promise<string | null> {
  if (process.env.SAMSA_CONTAINER_SKIP_REASON !== undefined) return process.env.SAMSA_CONTAINER_SKIP_REASON
  if (process.env.DOCKER_HOST === undefined && !existsSync('/var/run/docker.sock'))
    return 'no container runtime: DOCKER_HOST is unset and /var/run/docker.sock does not exist (scripts/container/ci.sh sets one up)'
  try {
    const { getContainerRuntimeClient, ImageName } = await import('testcontainers')
    const client = await Promise.race([
      getContainerRuntimeClient(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timed out after 10 s')), 10_000)),
    ])
    if (!(await client.image.exists(ImageName.fromString(IMAGE))))
      return `image ${IMAGE} is not built (scripts/container/build-image.sh)`
    return null
  } catch (err) {
    return `no usable container runtime: ${(err as Error).message.split('\n')[0]}`
  }
}
