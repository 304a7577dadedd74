import { type ChatRequest, type Message, toDetourError, type Usage } from '../core/index.js';
import {
  type AttemptInput,
  addUsage,
  ContinuationSeam,
  type ContinuationStyle,
  type StreamChunk,
} from '../providers/index.js';
import { addCosts, UsageMeter } from './meter-usage.js';
import type { PlannedModel } from './plan.js';
import {
  AllAttemptsFailed,
  type AttemptContext,
  type ExecuteOptions,
  runAttempts,
  type Served,
} from './run-attempts.js';
import { type OpenedStream, streamAttempt } from './stream-attempt.js';

/** What the client has received of an answer so far, across every attempt that wrote it. */
class StreamProgress {
  /** The answer text the client holds. */
  text = '';
  /** A tool call or reasoning went out: no prefill can resume those. */
  nonText = false;
  /** Usage of the attempts before the current one. */
  before: Usage | undefined;
  /** The current attempt's own usage. */
  current = new UsageMeter();

  observe(chunk: StreamChunk): void {
    if (chunk.delta !== undefined) this.text += chunk.delta;
    if (chunk.nonText === true) this.nonText = true;
    this.current.observe(chunk);
  }

  /** Usage of every attempt so far, the current one's estimated when it was cut before reporting. */
  usedSoFar(): Usage {
    const current = this.current.usedSoFar();
    return this.before === undefined ? current : addUsage(this.before, current);
  }

  /** A new attempt takes over; what the previous ones used is kept. */
  nextAttempt(): void {
    this.before = this.usedSoFar();
    this.current = new UsageMeter();
  }

  /** A chunk as the client is to get it: its usage counts every attempt (usage adds up). */
  reported(chunk: StreamChunk): StreamChunk {
    if (this.before === undefined || chunk.usage === undefined) return chunk;
    return { ...chunk, usage: addUsage(this.before, chunk.usage) };
  }
}

/**
 * Wraps a stream so that a break after content goes on from the next candidate (DESIGN.md section
 * 6, `streams.recovery: continue`): the same model on another host first, other models only with
 * `acrossModels`. The client receives one answer; the break still counts against the host that
 * broke. Nothing is continued after a tool call or reasoning went out, or once the client left.
 */
export function continueOnBreak(
  served: Served<OpenedStream>,
  planned: readonly PlannedModel[],
  input: AttemptInput,
  options: ExecuteOptions,
  recovery: { acrossModels: boolean },
): OpenedStream {
  const progress = new StreamProgress();
  for (const chunk of served.result.head) progress.observe(chunk);
  const tried = new Set([served.deployment.deploymentId]);
  const continuation = { served, planned, input, options, recovery, progress, tried };
  return { head: served.result.head, rest: recovering(served.result.rest, continuation) };
}

interface Continuation {
  served: Served<OpenedStream>;
  planned: readonly PlannedModel[];
  input: AttemptInput;
  options: ExecuteOptions;
  recovery: { acrossModels: boolean };
  progress: StreamProgress;
  /** Deployments that wrote part of this answer or were tried for it. */
  tried: Set<string>;
}

async function* recovering(
  first: AsyncGenerator<StreamChunk>,
  state: Continuation,
): AsyncGenerator<StreamChunk> {
  const { progress, input } = state;
  let rest = first;
  for (;;) {
    try {
      for await (const chunk of rest) {
        progress.observe(chunk);
        yield progress.reported(chunk);
      }
      return;
    } catch (error) {
      if (input.signal.aborted || progress.nonText || progress.text === '') throw error;
      const next = await openContinuation(state);
      if (next === undefined) throw error;
      progress.nextAttempt();
      for (const chunk of next.head) {
        progress.observe(chunk);
        yield progress.reported(chunk);
      }
      rest = next.rest;
    }
  }
}

/** The candidates a continuation may go to: the model's other hosts, then (if allowed) its fallbacks. */
function remainingCandidates(state: Continuation): PlannedModel[] {
  const models = state.recovery.acrossModels ? state.planned : state.planned.slice(0, 1);
  return models
    .map((model) => ({
      ...model,
      deployments: model.deployments.filter((deployment) => !state.tried.has(deployment.deploymentId)),
    }))
    .filter((model) => model.deployments.length > 0);
}

/**
 * The request with the client's text as a trailing assistant message (a prefill), without the
 * trailing whitespace Anthropic refuses there. A request that already ended with the client's own
 * prefill has the text added to it.
 */
export function withPrefill(request: ChatRequest, text: string): ChatRequest {
  const messages = [...request.messages];
  const last = messages.at(-1);
  let prefill = text;
  if (last?.role === 'assistant' && last.content.every((part) => part.type === 'text')) {
    messages.pop();
    prefill = last.content.map((part) => (part.type === 'text' ? part.text : '')).join('') + text;
  }
  const message: Message = { role: 'assistant', content: [{ type: 'text', text: prefill.trimEnd() }] };
  return { ...request, messages: [...messages, message] };
}

/** Opens the continuation on the next candidate that delivers content; undefined when none does. */
async function openContinuation(state: Continuation): Promise<OpenedStream | undefined> {
  const candidates = remainingCandidates(state);
  if (candidates.length === 0) return undefined;
  const { served, input, progress } = state;
  const text = progress.text;
  const usageBefore = progress.usedSoFar();
  const continueWith = (context: AttemptContext, style: ContinuationStyle) => {
    const request = style === 'replay' ? input.request : withPrefill(input.request, text);
    const seam = new ContinuationSeam(text, style === 'replay' ? 'replay' : 'prefill');
    const attemptInput: AttemptInput = {
      ...input,
      request,
      trackText: true,
      continuation: { style, seam, usageBefore },
    };
    return streamAttempt(context, attemptInput, (usage, finished) => {
      served.cost = addCosts(served.cost, usage.cost(context.deployment.price, finished));
    });
  };
  try {
    // The continuation belongs to a request the retry budget has counted already.
    const options = { ...state.options, sameRequest: true };
    const more = await runAttempts(candidates, input, options, async (context) => {
      state.tried.add(context.deployment.deploymentId);
      context.record.continuedAt = text.length;
      const style = context.deployment.prefill;
      if (style !== undefined) {
        try {
          return await continueWith(context, style);
        } catch (error) {
          // A host that refuses the prefill (a 400) is asked again without one, to replay and verify;
          // the refusal never reaches the client.
          if (toDetourError(error).failureClass !== 'client_error' || input.signal.aborted) throw error;
        }
      }
      return continueWith(context, 'replay');
    });
    served.attempts.push(...more.attempts);
    return more.result;
  } catch (error) {
    if (!(error instanceof AllAttemptsFailed)) throw error;
    served.attempts.push(...error.attempts);
    return undefined;
  }
}
