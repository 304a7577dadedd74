import {
  type ChatRequest,
  type ChatResponse,
  type Clock,
  DetourError,
  type ProtocolName,
  toDetourError,
} from '../core/index.js';
import { codecFor } from '../protocols/index.js';
import { sendNonStream, type UpstreamTransport } from '../providers/index.js';
import { costOf, type Deployment } from '../routing/index.js';
import { worstCaseCostUsd } from './canary-scheduler.js';
import type { CanaryCase, CanaryResult, GradeAnswer } from './types.js';

/** What a canary run reaches its host through. */
export interface CanaryRunOptions {
  transport: UpstreamTransport;
  clock: Clock;
  /** Aborts the run (the scheduler stopping). */
  signal?: AbortSignal;
}

/** The class recorded when the grader itself threw: a bug of ours, not a quality sample. */
export const GRADER_ERROR = 'grader_error';

/**
 * Runs one canary on one deployment and grades the answer. The request goes straight to the host
 * (as the prober's does): no client key, budget, rate limit or request-log row is involved, and no
 * outcome is recorded in health, so a canary can never eject a host — quality is judged by the
 * drift statistics, availability by real traffic and the prober. Never throws: a host that does
 * not answer gives `pass: null` with its failure class.
 */
export async function runCanary(
  deployment: Deployment,
  canary: CanaryCase,
  grade: GradeAnswer,
  options: CanaryRunOptions,
): Promise<CanaryResult> {
  const { clock } = options;
  // Like the prober: the host's own format when a client could speak it, else OpenAI translated.
  const wire = deployment.provider.wireFor(deployment.upstreamModel);
  const protocol: ProtocolName = wire === 'anthropic-messages' ? wire : 'openai-chat';
  const request: ChatRequest = {
    ...canary.request,
    model: deployment.modelName,
    temperature: 0,
    stream: false,
  };
  delete request.streamUsage;
  const deadlineMs = deployment.timeouts.firstTokenMs + deployment.timeouts.idleMs;
  const timeout = AbortSignal.timeout(deadlineMs);
  const signal = options.signal === undefined ? timeout : AbortSignal.any([options.signal, timeout]);
  const base = {
    deployment: deployment.deploymentId,
    model: deployment.modelName,
    provider: deployment.provider.name,
    suite: canary.suite,
    caseId: canary.id,
    at: clock.now(),
  };
  let answer: ChatResponse;
  try {
    const result = await sendNonStream(deployment, {
      request,
      clientProtocol: protocol,
      rawBody: codecFor(protocol).encodeRequest(request, deployment.upstreamModel),
      clientHeaders: {},
      signal,
      transport: options.transport,
      clock,
    });
    answer = codecFor(protocol).decodeResponse(JSON.parse(result.bodyText));
  } catch (thrown) {
    // The run's own deadline is a timeout, not a failed connection, and is charged like one (a
    // host that trickled its answer past it may still bill what it generated).
    const error =
      timeout.aborted && options.signal?.aborted !== true
        ? new DetourError(
            'upstream_timeout',
            'timeout',
            `canary: no complete answer within ${deadlineMs} ms (first-token plus idle timeout)`,
            {
              timeout: 'total',
              upstream: { provider: deployment.provider.name, deployment: deployment.deploymentId },
              cause: thrown,
            },
          )
        : toDetourError(thrown);
    return {
      ...base,
      pass: null,
      detail: error.message,
      failureClass: error.failureClass,
      latencyMs: clock.now() - base.at,
      // A host that timed out may still bill what it generated: the cap counts the worst case.
      costUsd: error.failureClass === 'timeout' ? worstCaseCostUsd(deployment, canary) : 0,
    };
  }
  const latencyMs = clock.now() - base.at;
  // An answer that reports no usage is counted at its worst case, so the cap still binds.
  const reported = answer.usage.inputTokens + answer.usage.outputTokens > 0;
  const costUsd = reported
    ? (costOf(answer.usage, deployment.price)?.usd ?? 0)
    : worstCaseCostUsd(deployment, canary);
  try {
    const verdict = grade(canary, answer);
    return {
      ...base,
      pass: verdict.pass,
      detail: verdict.detail,
      latencyMs,
      costUsd,
      responseModel: answer.model,
    };
  } catch (thrown) {
    const message = thrown instanceof Error ? thrown.message : String(thrown);
    return {
      ...base,
      pass: null,
      detail: `grader threw: ${message}`,
      failureClass: GRADER_ERROR,
      latencyMs,
      costUsd,
      responseModel: answer.model,
    };
  }
}
