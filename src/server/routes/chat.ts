import { once } from 'node:events';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AccessRefused, type Admission } from '../../access/index.js';
import { formatCostUsd } from '../../catalog/index.js';
import {
  type ChatRequest,
  DetourError,
  type FinishReason,
  invalidRequest,
  newRequestId,
  type ProtocolName,
  toDetourError,
  type Usage,
} from '../../core/index.js';
import type { OutcomeResult } from '../../health/index.js';
import { codecFor } from '../../protocols/index.js';
import type { AttemptInput, StreamChunk } from '../../providers/index.js';
import {
  AllAttemptsFailed,
  type ExecuteOptions,
  executeNonStream,
  executeStream,
  type ModelRoute,
  planRoute,
  type Served,
} from '../../routing/index.js';
import {
  BODY_LIMIT,
  buildRequestLogRow,
  capBody,
  keyFingerprint,
  type RequestFacts,
  redactJson,
  redactText,
} from '../../usage/index.js';
import type { Gateway } from '../gateway.js';
import { observeCompleteAnswer, observeStreamedAnswer } from '../observe-answer.js';
import { clientKeyOf } from '../request-client-key.js';
import { RequestWatch } from '../request-watch.js';
import type { RequestTrace } from '../telemetry/index.js';

/** What a stream carried besides its text, for the request log and the token metrics. */
interface StreamTally {
  usage?: Usage;
  finishReason?: FinishReason['unified'];
  /** The SSE text sent, kept only when the model logs bodies, up to just past the stored limit. */
  text?: string[];
  /** Characters in {@link text}. */
  keptLength: number;
  /** Characters sent in all, kept or not (counted only with {@link text}). */
  textLength: number;
  /** Whether any chunk carried answer content (for the passive quality signals). */
  content?: boolean;
}

function servedHeaders(served: Served<unknown>, requestId: string): Record<string, string> {
  const headers: Record<string, string> = {
    'x-request-id': requestId,
    'x-detour-deployment': served.deployment.deploymentId,
    'x-detour-model': served.deployment.modelName,
  };
  if (served.attempts.length > 1) headers['x-detour-attempts'] = String(served.attempts.length);
  // Known before the body only for complete answers; a stream's cost is on `served.cost` at its end.
  if (served.cost !== undefined) headers['x-detour-cost-usd'] = formatCostUsd(served.cost.usd);
  if (served.routeReason !== undefined) headers['x-detour-route-reason'] = headerSafe(served.routeReason);
  return headers;
}

/** A header value keeps to printable ASCII: model names come from config and may not. */
function headerSafe(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?');
}

/**
 * Waits until a response's buffer drains or its connection closes. The event that does not come is
 * stopped listening for: a long stream to a slow reader waits many times, and listeners left behind
 * would pile up on the response until it ends.
 */
async function drainedOrClosed(raw: FastifyReply['raw']): Promise<void> {
  const settled = new AbortController();
  try {
    await Promise.race([
      once(raw, 'drain', { signal: settled.signal }),
      once(raw, 'close', { signal: settled.signal }),
    ]);
  } finally {
    settled.abort();
  }
}

async function writeStream(
  reply: FastifyReply,
  surface: ProtocolName,
  head: StreamChunk[],
  rest: AsyncGenerator<StreamChunk>,
  signal: AbortSignal,
  tally: StreamTally,
): Promise<OutcomeResult> {
  const note = (chunk: StreamChunk) => {
    if (chunk.usage !== undefined) tally.usage = chunk.usage;
    if (chunk.finishReason !== undefined) tally.finishReason = chunk.finishReason;
    if (chunk.content) tally.content = true;
    if (tally.text !== undefined) {
      tally.textLength += chunk.text.length;
      // Stop collecting past the stored limit: a long stream must not grow memory for the log.
      if (tally.keptLength <= BODY_LIMIT) {
        tally.text.push(chunk.text);
        tally.keptLength += chunk.text.length;
      }
    }
  };
  const raw = reply.raw;
  let corked = false;
  const write = async (text: string) => {
    if (text === '' || raw.destroyed) return;
    // Chunks that arrive in one burst leave in one write (one syscall), not one each.
    if (!corked) {
      corked = true;
      raw.cork();
      process.nextTick(() => {
        corked = false;
        raw.uncork();
      });
    }
    if (!raw.write(text)) await drainedOrClosed(raw);
  };
  try {
    for (const chunk of head) {
      note(chunk);
      await write(chunk.text);
    }
    for await (const chunk of rest) {
      if (signal.aborted) break;
      note(chunk);
      await write(chunk.text);
    }
  } catch (error) {
    // Content already reached the client: nothing is retried or spliced; the stream ends with the
    // surface's own error event (DESIGN.md section 6).
    const detourError = toDetourError(error);
    if (!raw.destroyed) await write(codecFor(surface).encodeStreamError(detourError));
    return detourError.failureClass;
  } finally {
    if (!raw.destroyed) raw.end();
  }
  return 'success';
}

/** Handles one chat request on a surface: decode, plan, attempt in order, answer in the client's format. */
async function handleChat(
  gateway: Gateway,
  surface: ProtocolName,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  const requestId = newRequestId();
  reply.header('x-request-id', requestId);
  const body = request.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalidRequest('request body must be a JSON object');
  }
  const chatRequest = codecFor(surface).decodeRequest(body);
  const startedAt = gateway.clock.now();
  const clientKey = clientKeyOf(request);
  // From here on the request has a model name, so it gets its row in the request log, failed or not.
  const facts: RequestFacts = {
    id: requestId,
    startedAt,
    endedAt: startedAt,
    // The key's id, never the key; with auth off, a fingerprint of whatever the client sent.
    key: clientKey?.id ?? (gateway.requestLog === undefined ? null : keyFingerprint(request.headers)),
    surface,
    stream: chatRequest.stream === true,
    requestedModel: chatRequest.model,
    attempts: [],
    status: 200,
    outcome: 'success',
  };
  const trace = gateway.telemetry?.startRequest({
    model: chatRequest.model,
    surface,
    stream: facts.stream,
    headers: request.headers,
  });
  const route = gateway.table.get(chatRequest.model);
  const logBodies = gateway.requestLog !== undefined && route?.logBodies === true;
  let admission: Admission | undefined;
  try {
    if (clientKey !== undefined && gateway.access !== undefined) {
      // Scope, rate limits and the budget reservation, before any attempt (DESIGN.md section 8).
      admission = await gateway.access.control.admit({
        key: clientKey,
        table: gateway.table,
        route,
        request: chatRequest,
        now: startedAt,
      });
      reply.headers(admission.headers);
    }
    await answerChat({ gateway, surface, request, reply, chatRequest, route, facts, logBodies, trace });
  } catch (error) {
    if (error instanceof AccessRefused) reply.headers(error.headers);
    const detourError = toDetourError(error);
    facts.status = detourError.status;
    if (facts.outcome !== 'abandoned') facts.outcome = detourError.failureClass;
    if (error instanceof AllAttemptsFailed) facts.attempts = error.attempts;
    throw error;
  } finally {
    facts.endedAt = gateway.clock.now();
    // What the request used replaces what it held: tokens for the per-minute limit, cost for the budget.
    admission?.settle(
      {
        tokens: (facts.usage?.inputTokens ?? 0) + (facts.usage?.outputTokens ?? 0),
        costUsd: facts.costUsd ?? 0,
      },
      facts.endedAt,
    );
    settleUsage(gateway, facts, logBodies ? body : undefined);
    trace?.end(facts);
  }
}

/** Counts tokens and cost, and hands the request's row to the log writer (which only queues it). */
function settleUsage(gateway: Gateway, facts: RequestFacts, body: object | undefined): void {
  if (facts.served !== undefined)
    gateway.metrics?.recordUsage(facts.served.modelName, facts.usage, facts.costUsd);
  const log = gateway.requestLog;
  if (log === undefined) return;
  if (body !== undefined) facts.requestBody = capBody(JSON.stringify(redactJson(body)));
  if (facts.responseBody !== undefined)
    facts.responseBody = capBody(redactText(facts.responseBody), facts.responseNotKept);
  log.record(buildRequestLogRow(facts));
}

/** One client request on its way through {@link answerChat}. */
interface ChatCall {
  gateway: Gateway;
  surface: ProtocolName;
  request: FastifyRequest;
  reply: FastifyReply;
  chatRequest: ChatRequest;
  /** The requested model's route; undefined for an unknown model (answered 404). */
  route: ModelRoute | undefined;
  /** What happened, filled in as it goes (the request-log row and the metrics read it). */
  facts: RequestFacts;
  /** Keep the response body for the log (the model opted in). */
  logBodies: boolean;
  trace: RequestTrace | undefined;
}

/** Plans, attempts and answers; fills `facts` with what happened as it goes. */
async function answerChat(call: ChatCall): Promise<void> {
  const { gateway, surface, request, reply, chatRequest, route, facts, logBodies, trace } = call;
  if (route === undefined) {
    throw new DetourError(
      'model_not_found',
      'client_error',
      `The model '${chatRequest.model}' does not exist`,
      {
        status: 404,
        param: 'model',
      },
    );
  }
  // Planned before the deadline starts: a plan refused (a prompt too long for every window) answers at once.
  const plan = await planRoute(gateway.table, chatRequest, surface, gateway.state, gateway.clock.now());
  const watch = new RequestWatch(reply.raw, route.totalTimeoutMs);
  const input: AttemptInput = {
    request: chatRequest,
    clientProtocol: surface,
    rawBody: request.body as Record<string, unknown>,
    clientHeaders: request.headers,
    signal: watch.signal,
    transport: gateway.transport,
    clock: gateway.clock,
  };
  const candidates = plan.models;
  const options: ExecuteOptions = {
    state: gateway.state,
    policy: gateway.policy,
    onAttempt: gateway.onAttempt,
    onBudgetExhausted: (model) => gateway.metrics?.retryBudgetExhausted.inc({ model }),
  };
  if (trace !== undefined) traceAttempts(options, trace);
  if (plan.promptTokens !== undefined) options.promptTokens = plan.promptTokens;
  if (plan.reason !== undefined) options.routeReason = plan.reason;
  if (chatRequest.stream === true && route.recovery !== undefined) options.recovery = route.recovery;
  if (route.hedging !== undefined) {
    options.hedging = route.hedging;
    options.onHedge = ({ model, won }) =>
      gateway.metrics?.hedges.inc({ model, outcome: won ? 'won' : 'lost' });
  }
  const startedAt = facts.startedAt;
  const finish = (outcome: OutcomeResult, attempts: number) => {
    const durationMs = gateway.clock.now() - startedAt;
    // A client that left says nothing about what the model gave its users (a "stop" button is not
    // an outage): counted as `abandoned`, kept out of the model's client-outcome window.
    if (watch.clientGone) {
      facts.outcome = 'abandoned';
      gateway.metrics?.recordRequest(chatRequest.model, 'abandoned', attempts, durationMs);
      return;
    }
    facts.outcome = outcome;
    gateway.state.recordRequest(chatRequest.model, outcome, durationMs);
    gateway.metrics?.recordRequest(chatRequest.model, outcome, attempts, durationMs);
  };
  const served = (result: Served<unknown>, usage: Usage | undefined) => {
    facts.served = result.deployment;
    facts.attempts = result.attempts;
    if (result.routeReason !== undefined) facts.routeReason = result.routeReason;
    // Priced by routing for the answering attempt only (a stream's when its rest has ended).
    if (result.cost !== undefined) facts.costUsd = result.cost.usd;
    if (usage !== undefined) facts.usage = usage;
  };
  try {
    if (!chatRequest.stream) {
      const answer = await executeNonStream(candidates, input, options);
      finish('success', answer.attempts.length);
      served(answer, answer.result.usage);
      if (answer.result.finishReason !== undefined) facts.finishReason = answer.result.finishReason;
      if (logBodies) facts.responseBody = answer.result.bodyText;
      if (gateway.passiveSignals !== undefined)
        observeCompleteAnswer(
          gateway.passiveSignals,
          answer.deployment.deploymentId,
          surface,
          chatRequest,
          answer.result,
        );
      reply
        .status(200)
        .headers(servedHeaders(answer, facts.id))
        .type('application/json')
        .send(answer.result.bodyText);
      return;
    }
    const answer = await executeStream(candidates, input, options);
    // The head holds the first content, written just below.
    facts.timeToFirstTokenMs = gateway.clock.now() - startedAt;
    served(answer, undefined);
    // Headers set on the reply so far (the key's rate limits) go out with the stream's own.
    const earlier = Object.fromEntries(
      Object.entries(reply.getHeaders()).filter(
        (entry): entry is [string, string | number | string[]] => entry[1] !== undefined,
      ),
    );
    reply.hijack();
    reply.raw.writeHead(200, {
      ...earlier,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      ...servedHeaders(answer, facts.id),
    });
    const tally: StreamTally = { keptLength: 0, textLength: 0 };
    if (logBodies) tally.text = [];
    const outcome = await writeStream(
      reply,
      surface,
      answer.result.head,
      answer.result.rest,
      watch.signal,
      tally,
    );
    finish(outcome, answer.attempts.length);
    // Usage arrives at the stream's end; a stream cut after content is charged for what it reported.
    served(answer, tally.usage);
    if (tally.finishReason !== undefined) facts.finishReason = tally.finishReason;
    if (tally.text !== undefined) {
      facts.responseBody = tally.text.join('');
      facts.responseNotKept = tally.textLength - tally.keptLength;
    }
    if (gateway.passiveSignals !== undefined && outcome === 'success')
      observeStreamedAnswer(gateway.passiveSignals, answer.deployment.deploymentId, chatRequest, tally);
  } catch (error) {
    if (error instanceof AllAttemptsFailed) {
      if (error.routeReason !== undefined) facts.routeReason = error.routeReason;
      finish(error.failureClass, error.attempts.length);
    } else if (watch.clientGone) facts.outcome = 'abandoned';
    throw error;
  } finally {
    watch.dispose();
  }
}

/** Hooks a request's trace into its attempts: a span each, its context sent upstream with it. */
function traceAttempts(options: ExecuteOptions, trace: RequestTrace): void {
  const observe = options.onAttempt;
  options.onAttemptStart = trace.attemptStarted;
  options.onAttempt =
    observe === undefined
      ? trace.attemptSettled
      : (deployment, record) => {
          observe(deployment, record);
          trace.attemptSettled(deployment, record);
        };
}

/** Registers a chat surface's POST route. */
export function registerChatRoute(
  app: FastifyInstance,
  path: string,
  surface: ProtocolName,
  gateway: () => Gateway,
): void {
  app.post(path, (request, reply) => handleChat(gateway(), surface, request, reply));
}
