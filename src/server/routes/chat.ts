import { once } from 'node:events';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { formatCostUsd } from '../../catalog/index.js';
import {
  DetourError,
  invalidRequest,
  newRequestId,
  type ProtocolName,
  toDetourError,
} from '../../core/index.js';
import type { OutcomeResult } from '../../health/index.js';
import { codecFor } from '../../protocols/index.js';
import type { AttemptInput, StreamChunk } from '../../providers/index.js';
import {
  AllAttemptsFailed,
  type ExecuteOptions,
  executeNonStream,
  executeStream,
  planRoute,
  type Served,
} from '../../routing/index.js';
import type { Gateway } from '../gateway.js';

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

/** What aborts one request's upstream work, and whether it was the client that left. */
interface RequestWatch {
  /** Aborts when the client goes away or the deadline passes. */
  signal: AbortSignal;
  /** The client closed the connection before its answer ended. */
  readonly clientGone: boolean;
  dispose(): void;
}

/** Aborts the request's upstream work when the client goes away or the deadline passes. */
function watchRequest(reply: FastifyReply, totalMs: number): RequestWatch {
  const controller = new AbortController();
  let clientGone = false;
  const onClose = () => {
    if (!reply.raw.writableFinished) {
      clientGone = true;
      controller.abort(
        new DetourError('internal_error', 'transport', 'client closed the connection', { status: 499 }),
      );
    }
  };
  reply.raw.on('close', onClose);
  const deadline = setTimeout(() => {
    controller.abort(
      new DetourError('upstream_timeout', 'timeout', `request deadline of ${totalMs} ms passed`, {
        timeout: 'total',
      }),
    );
  }, totalMs);
  deadline.unref();
  return {
    signal: controller.signal,
    get clientGone() {
      return clientGone;
    },
    dispose() {
      clearTimeout(deadline);
      reply.raw.off('close', onClose);
    },
  };
}

async function writeStream(
  reply: FastifyReply,
  surface: ProtocolName,
  head: StreamChunk[],
  rest: AsyncGenerator<StreamChunk>,
  signal: AbortSignal,
): Promise<OutcomeResult> {
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
    if (!raw.write(text)) await Promise.race([once(raw, 'drain'), once(raw, 'close')]);
  };
  try {
    for (const chunk of head) await write(chunk.text);
    for await (const chunk of rest) {
      if (signal.aborted) break;
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
  const codec = codecFor(surface);
  const chatRequest = codec.decodeRequest(body);
  const route = gateway.table.get(chatRequest.model);
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
  const watch = watchRequest(reply, route.totalTimeoutMs);
  const input: AttemptInput = {
    request: chatRequest,
    clientProtocol: surface,
    rawBody: body as Record<string, unknown>,
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
  if (plan.promptTokens !== undefined) options.promptTokens = plan.promptTokens;
  if (plan.reason !== undefined) options.routeReason = plan.reason;
  const startedAt = gateway.clock.now();
  const finish = (outcome: OutcomeResult, attempts: number) => {
    const durationMs = gateway.clock.now() - startedAt;
    // A client that left says nothing about what the model gave its users (a "stop" button is not
    // an outage): counted as `abandoned`, kept out of the model's client-outcome window.
    if (watch.clientGone) {
      gateway.metrics?.recordRequest(chatRequest.model, 'abandoned', attempts, durationMs);
      return;
    }
    gateway.state.recordRequest(chatRequest.model, outcome, durationMs);
    gateway.metrics?.recordRequest(chatRequest.model, outcome, attempts, durationMs);
  };
  try {
    if (!chatRequest.stream) {
      const served = await executeNonStream(candidates, input, options);
      finish('success', served.attempts.length);
      reply
        .status(200)
        .headers(servedHeaders(served, requestId))
        .type('application/json')
        .send(served.result.bodyText);
      return;
    }
    const served = await executeStream(candidates, input, options);
    reply.hijack();
    reply.raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      ...servedHeaders(served, requestId),
    });
    const outcome = await writeStream(reply, surface, served.result.head, served.result.rest, watch.signal);
    finish(outcome, served.attempts.length);
  } catch (error) {
    if (error instanceof AllAttemptsFailed) finish(error.failureClass, error.attempts.length);
    throw error;
  } finally {
    watch.dispose();
  }
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
