import type { Usage } from '../core/index.js';
import type { RequestLogRow } from '../store/index.js';

/** One attempt as the route knows it (the routing layer's `AttemptRecord`, narrowed). */
export interface AttemptFacts {
  deploymentId: string;
  outcome: string;
  latencyMs: number;
  abandoned?: boolean;
  /** Characters of text the client had when this attempt continued a broken stream. */
  continuedAt?: number;
}

/** What the chat route knows about a request once it is over. */
export interface RequestFacts {
  id: string;
  /** When the request arrived (epoch ms). */
  startedAt: number;
  /** When its answer ended (epoch ms). */
  endedAt: number;
  /** From {@link keyFingerprint}. */
  key: string | null;
  surface: string;
  stream: boolean;
  requestedModel: string;
  /** Who answered; absent when nobody did. */
  served?: { modelName: string; deploymentId: string };
  attempts: readonly AttemptFacts[];
  /** HTTP status sent to the client. */
  status: number;
  /** `success`, the final failure class, or `abandoned`. */
  outcome: string;
  finishReason?: string;
  usage?: Usage;
  /** USD, when the answering deployment's price is known (catalog); absent = unknown. */
  costUsd?: number;
  /** From arrival to the first content sent (streams). */
  timeToFirstTokenMs?: number;
  /** Why an `auto` model chose its candidate. */
  routeReason?: string;
  /** Redacted, capped bodies, when the model logs bodies. */
  requestBody?: string;
  responseBody?: string;
  /** Characters of a streamed answer sent after `responseBody` stopped collecting. */
  responseNotKept?: number;
}

/** Turns what the route knows into one request-log row. Pure, so the route's cost is one object. */
export function buildRequestLogRow(facts: RequestFacts): RequestLogRow {
  const usage = facts.usage;
  return {
    id: facts.id,
    time: facts.startedAt,
    key: facts.key,
    surface: facts.surface,
    stream: facts.stream,
    requestedModel: facts.requestedModel,
    answeringModel: facts.served?.modelName ?? null,
    deployment: facts.served?.deploymentId ?? null,
    attempts: facts.attempts.map((attempt) => ({
      deployment: attempt.deploymentId,
      // An attempt the client walked away from says nothing about the host (DESIGN.md section 6).
      outcome: attempt.abandoned === true ? 'abandoned' : attempt.outcome,
      latencyMs: attempt.latencyMs,
      ...(attempt.continuedAt === undefined ? {} : { continuedAt: attempt.continuedAt }),
    })),
    status: facts.status,
    outcome: facts.outcome,
    finishReason: facts.finishReason ?? null,
    tokens: {
      input: usage?.inputTokens ?? null,
      output: usage?.outputTokens ?? null,
      cached: usage?.cacheReadTokens ?? null,
      reasoning: usage?.reasoningTokens ?? null,
    },
    costUsd: facts.costUsd ?? null,
    latencyMs: Math.max(0, facts.endedAt - facts.startedAt),
    timeToFirstTokenMs: facts.timeToFirstTokenMs ?? null,
    routeReason: facts.routeReason ?? null,
    requestBody: facts.requestBody ?? null,
    responseBody: facts.responseBody ?? null,
  };
}
