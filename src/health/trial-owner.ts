import { createHash } from 'node:crypto';

/**
 * The replica that runs a deployment's half-open trials and health checks, among the replicas
 * alive: rendezvous (highest-random-weight) hashing of replica id and deployment id. Every replica
 * that sees the same set picks the same owner without asking anyone, the deployments spread evenly
 * across replicas, and a replica joining or leaving moves only the deployments it wins or held.
 * Undefined when no replica is known.
 */
export function trialOwnerOf(deploymentId: string, replicas: readonly string[]): string | undefined {
  let owner: string | undefined;
  let best = '';
  for (const replica of replicas) {
    const weight = createHash('sha1').update(`${replica}\n${deploymentId}`).digest('hex');
    // Ties cannot happen between distinct ids but are broken by id all the same, so every replica agrees.
    if (owner === undefined || weight > best || (weight === best && replica < owner)) {
      owner = replica;
      best = weight;
    }
  }
  return owner;
}
