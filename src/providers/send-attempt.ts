import {
  type ChatRequest,
  type Clock,
  DetourError,
  type FinishReason,
  isContentEvent,
  type ProtocolName,
  type StreamEvent,
  toDetourError,
  type UpstreamErrorInfo,
  type Usage,
} from '../core/index.js';
import {
  codecFor,
  formatSseEvent,
  type SseMessage,
  type UpstreamCodec,
  upstreamCodecFor,
} from '../protocols/index.js';
import {
  type AttemptGuard,
  type AttemptTimeouts,
  AttemptWatchdog,
  TransportTimeoutGuard,
} from './attempt-watchdog.js';
import { classifyHttpFailure } from './classify-failure.js';
import type { ContinuationSeam } from './continuation-seam.js';
import type { ClientHeaders, PreparedCall, Provider } from './provider-kind.js';
import {
  classifyTransportError,
  type UpstreamHttpResponse,
  type UpstreamTransport,
} from './upstream-transport.js';

/** One deployment as an attempt needs it. */
export interface AttemptTarget {
  /** The provider to reach. */
  provider: Provider;
  /** Deployment id (`provider/upstream-model`). */
  deploymentId: string;
  /** The model id the host knows. */
  upstreamModel: string;
  /** Timeouts for this model. */
  timeouts: AttemptTimeouts;
  /**
   * This attempt's own trace context (W3C `traceparent`, `tracestate`), sent on top of the kind's
   * headers; set on a per-attempt copy when tracing is on, never on a configured deployment.
   */
  traceHeaders?: Readonly<Record<string, string>>;
}

/** Everything one attempt needs besides its target. */
export interface AttemptInput {
  /** The decoded request. */
  request: ChatRequest;
  /** The client's wire format. */
  clientProtocol: ProtocolName;
  /** The client's body as received, forwarded with only `model` changed when protocols match. */
  rawBody: Readonly<Record<string, unknown>>;
  /** The client's headers (a provider passes a few through, e.g. `anthropic-beta`). */
  clientHeaders: ClientHeaders;
  /** Aborts when the client leaves or the request's deadline passes. */
  signal: AbortSignal;
  /** HTTP transport. */
  transport: UpstreamTransport;
  /** Time source. */
  clock: Clock;
  /**
   * Report the plain text and the kind of content each stream chunk carries ({@link StreamChunk.delta},
   * {@link StreamChunk.nonText}): a stream that may be continued elsewhere needs them, others skip the parse.
   */
  trackText?: boolean;
  /** This attempt continues a stream another host broke off (DESIGN.md section 6). */
  continuation?: ContinuationRequest;
}

/**
 * How a host is asked to go on from the text a client already has: in the prefill dialect it
 * speaks, or by replaying the original request. For a prefill, `request` already ends with the
 * client's text as an assistant message.
 */
export type ContinuationStyle =
  /** Anthropic Messages (Anthropic, Bedrock, Vertex): a trailing assistant message is continued. */
  | 'assistant'
  /** DeepSeek-style OpenAI-compatible hosts: the trailing assistant message carries `prefix: true`. */
  | 'deepseek-prefix'
  /** vLLM: `continue_final_message: true` with `add_generation_prompt: false`. */
  | 'vllm-continue'
  /** No prefill: the original request again, continued only where it matches (see {@link ContinuationSeam}). */
  | 'replay';

/** A continuation attempt's instructions. */
export interface ContinuationRequest {
  style: ContinuationStyle;
  /** Joins the host's text to the client's. */
  seam: ContinuationSeam;
  /** Usage of the attempts before this one, added to what this host reports (usage adds up). */
  usageBefore: Usage;
}

/** A complete non-streamed answer, already in the client's wire format. */
export interface NonStreamResult {
  /** JSON text to send to the client. */
  bodyText: string;
  /** Token counts, when the upstream reported them. */
  usage: Usage | undefined;
  /** The normalised finish reason (`stop`, `length`, ...), when the answer gave one. */
  finishReason?: FinishReason['unified'];
}

/** One piece of a stream, already in the client's wire format. */
export interface StreamChunk {
  /** SSE text to write to the client. */
  text: string;
  /** True when this chunk carries answer content (after it, nothing can be retried). */
  content: boolean;
  /** Usage, when this chunk reported some. */
  usage?: Usage;
  /** The normalised finish reason, on the chunk that ended the answer. */
  finishReason?: FinishReason['unified'];
  /** With {@link AttemptInput.trackText}: the answer text this chunk adds, as the client reads it. */
  delta?: string;
  /** With {@link AttemptInput.trackText}: this chunk carries a tool call or reasoning, which no prefill can resume. */
  nonText?: boolean;
}

function upstreamInfo(target: AttemptTarget): UpstreamErrorInfo {
  return { provider: target.provider.name, deployment: target.deploymentId };
}

function buildBody(target: AttemptTarget, input: AttemptInput, stream: boolean): Record<string, unknown> {
  const wire = target.provider.wireFor(target.upstreamModel);
  const continuation = input.continuation;
  if (continuation !== undefined)
    return continuationBody(wire, input.request, target.upstreamModel, continuation);
  if (wire === input.clientProtocol) {
    // Fast path: the client's own body, every unknown field intact, with only the model id swapped.
    return { ...input.rawBody, model: target.upstreamModel };
  }
  // Across protocols we always ask for usage so cost can be recorded; the client's encoder decides
  // whether the client sees it.
  const request = stream ? { ...input.request, streamUsage: true } : input.request;
  return upstreamCodecFor(wire).encodeRequest(request, target.upstreamModel);
}

/** A continuation's body: always encoded from the canonical request (it carries the prefill), plus the host's prefill flag. */
function continuationBody(
  wire: ReturnType<AttemptTarget['provider']['wireFor']>,
  request: ChatRequest,
  upstreamModel: string,
  continuation: ContinuationRequest,
): Record<string, unknown> {
  const body = upstreamCodecFor(wire).encodeRequest({ ...request, streamUsage: true }, upstreamModel);
  if (continuation.style === 'deepseek-prefix') {
    const messages = body.messages;
    const last = Array.isArray(messages)
      ? (messages.at(-1) as Record<string, unknown> | undefined)
      : undefined;
    if (last !== undefined) last.prefix = true;
  } else if (continuation.style === 'vllm-continue') {
    body.continue_final_message = true;
    body.add_generation_prompt = false;
  }
  return body;
}

async function sendRequest(
  target: AttemptTarget,
  input: AttemptInput,
  guard: AttemptGuard,
  stream: boolean,
): Promise<UpstreamHttpResponse> {
  let response: UpstreamHttpResponse;
  try {
    const body = buildBody(target, input, stream);
    let call: PreparedCall;
    try {
      const prepared = target.provider.prepareCall({
        upstreamModel: target.upstreamModel,
        body,
        stream,
        clientHeaders: input.clientHeaders,
        signal: guard.signal,
      });
      // Most kinds build the call synchronously; only signing or token kinds pay for an await.
      call = prepared instanceof Promise ? await prepared : prepared;
    } catch (error) {
      // A kind's own classified failure (its token endpoint refused the credentials) names the
      // deployment too; an abort's reason goes on as it is.
      throw error instanceof DetourError && !guard.signal.aborted ? withUpstream(error, target) : error;
    }
    // After signing: SigV4 signs only the headers it lists, so trace headers need no signature.
    const headers =
      target.traceHeaders === undefined ? call.headers : { ...call.headers, ...target.traceHeaders };
    response = await input.transport.request({
      ...call,
      headers,
      signal: guard.signal,
      ...guard.transportTimeouts,
    });
  } catch (error) {
    if (error instanceof DetourError) throw error;
    throw classifyTransportError(guard.explain(error), upstreamInfo(target));
  }
  if (response.status >= 400) {
    throw await readHttpFailure(target, response, guard, input.clock);
  }
  return response;
}

async function readHttpFailure(
  target: AttemptTarget,
  response: UpstreamHttpResponse,
  guard: AttemptGuard,
  clock: Clock,
): Promise<DetourError> {
  guard.progressed();
  let text = '';
  try {
    text = await response.body.text();
  } catch {
    // The status already says it failed; a broken error body must not hide that.
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return classifyHttpFailure({
    vendorErrorClasses: target.provider.vendorErrorClasses,
    status: response.status,
    headers: response.headers,
    details: target.provider.readErrorDetails(target.upstreamModel, response.headers, parsed, text),
    provider: target.provider.name,
    deployment: target.deploymentId,
    now: clock.now(),
  });
}

function badResponse(target: AttemptTarget, message: string, cause?: unknown): DetourError {
  return new DetourError('upstream_bad_response', 'bad_response', message, {
    upstream: upstreamInfo(target),
    cause,
  });
}

/** Sends a non-streaming request to one deployment and returns the answer in the client's format. */
export async function sendNonStream(target: AttemptTarget, input: AttemptInput): Promise<NonStreamResult> {
  // undici enforces this attempt's limits itself, so there is no timer to start or dispose.
  const guard = new TransportTimeoutGuard(input.signal, target.timeouts);
  try {
    const response = await sendRequest(target, input, guard, false);
    let text: string;
    try {
      text = await response.body.text();
    } catch (error) {
      throw classifyTransportError(guard.explain(error), upstreamInfo(target));
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw badResponse(target, 'upstream answered with a body that is not JSON', error);
    }
    const wire = target.provider.wireFor(target.upstreamModel);
    const upstreamCodec = upstreamCodecFor(wire);
    if (wire === input.clientProtocol) {
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        throw badResponse(target, 'upstream answered with JSON that is not an object');
      }
      const result: NonStreamResult = { bodyText: text, usage: upstreamCodec.readUsage(parsed) };
      const finishReason = codecFor(input.clientProtocol).readFinishReason(parsed);
      if (finishReason !== undefined) result.finishReason = finishReason.unified;
      return result;
    }
    const canonical = upstreamCodec.decodeResponse(parsed);
    // Converse answers do not name their model; the client is still told which one answered.
    if (canonical.model === '') canonical.model = target.upstreamModel;
    const clientCodec = codecFor(input.clientProtocol);
    return {
      bodyText: JSON.stringify(clientCodec.encodeResponse(canonical)),
      usage: canonical.usage,
      finishReason: canonical.finishReason.unified,
    };
  } catch (error) {
    throw error instanceof DetourError
      ? error
      : classifyTransportError(guard.explain(error), upstreamInfo(target));
  }
}

/** Turns one upstream SSE message into client text, by forwarding it or by re-encoding its events. */
class StreamRelay {
  private readonly decoder;
  private readonly encoder;
  private readonly passthrough: boolean;
  private readonly trackText: boolean;
  private readonly continuation: ContinuationRequest | undefined;
  private finished = false;
  /** A content event has passed: from here on plain deltas need no parsing (same protocol only). */
  private contentFlowing = false;
  /**
   * The host has sent content, whether or not the client got it yet (a replayed continuation holds
   * its text back): the host is not silent, so its first-token limit is met.
   */
  hostContent = false;

  constructor(
    private readonly upstreamCodec: UpstreamCodec,
    clientCodec: ReturnType<typeof codecFor>,
    options: {
      passthrough: boolean;
      includeUsage: boolean;
      trackText: boolean;
      continuation: ContinuationRequest | undefined;
    },
    /** The deployment's model id, for wire formats whose answers do not name one (Converse). */
    private readonly upstreamModel: string,
  ) {
    this.continuation = options.continuation;
    // A continuation is always re-encoded: the client's stream is already open and must not start again.
    this.passthrough = options.passthrough && this.continuation === undefined;
    this.trackText = options.trackText;
    this.decoder = upstreamCodec.createStreamDecoder();
    this.encoder = this.passthrough
      ? undefined
      : clientCodec.createStreamEncoder({
          includeUsage: options.includeUsage,
          resume: this.continuation !== undefined,
        });
  }

  get done(): boolean {
    return this.decoder.done;
  }

  get sawFinish(): boolean {
    return this.finished;
  }

  relay(message: SseMessage): StreamChunk & { error?: DetourError } {
    // Same protocol, content already flowing: a plain delta is forwarded as it came, unparsed
    // (unless its text is wanted for a possible continuation).
    if (
      this.passthrough &&
      !this.trackText &&
      this.contentFlowing &&
      this.upstreamCodec.isPlainDelta(message)
    ) {
      return { text: formatSseEvent(message), content: true };
    }
    const events: StreamEvent[] = this.decoder.decode(message);
    let content = false;
    let usage: Usage | undefined;
    let finishReason: FinishReason['unified'] | undefined;
    let text = '';
    let delta = '';
    let nonText = false;
    for (const decoded of events) {
      let event = decoded;
      if (event.type === 'error')
        return { text: '', content: false, error: DetourError.fromShape(event.error) };
      if (isContentEvent(decoded) && !isEmptyDelta(decoded)) this.hostContent = true;
      if (this.continuation !== undefined) {
        const joined = this.join(event);
        if (joined instanceof DetourError) return { text: '', content: false, error: joined };
        if (joined === undefined) continue;
        for (const extra of joined.before) {
          delta += extra.text;
          content = true;
          text += this.encoder?.encode(extra) ?? '';
        }
        event = joined.event;
      }
      if (event.type === 'finish') {
        this.finished = true;
        finishReason = event.finishReason.unified;
      }
      // The host's own count: the client's copy (encoded) adds the earlier attempts' usage.
      if (decoded.type === 'usage') usage = decoded.usage;
      if (event.type === 'start' && event.model === '') event.model = this.upstreamModel;
      if (isContentEvent(event) && !isEmptyDelta(event)) {
        content = true;
        if (event.type === 'text_delta') delta += event.text;
        else nonText = true;
      }
      if (this.encoder !== undefined) text += this.encoder.encode(event);
    }
    if (content) this.contentFlowing = true;
    if (this.passthrough) text = formatSseEvent(message);
    const chunk: StreamChunk = { text, content };
    if (usage !== undefined) chunk.usage = usage;
    if (finishReason !== undefined) chunk.finishReason = finishReason;
    if (this.trackText) {
      if (delta !== '') chunk.delta = delta;
      if (nonText) chunk.nonText = true;
    }
    return chunk;
  }

  /**
   * A continuation's event as the client is to get it: text through the seam (undefined while held
   * back), usage with the earlier attempts' added, and at the finish whatever the seam still held.
   */
  private join(
    event: StreamEvent,
  ):
    | { event: StreamEvent; before: Array<Extract<StreamEvent, { type: 'text_delta' }>> }
    | DetourError
    | undefined {
    const continuation = this.continuation as ContinuationRequest;
    try {
      if (event.type === 'text_delta') {
        const text = continuation.seam.accept(event.text);
        return text === '' ? undefined : { event: { ...event, text }, before: [] };
      }
      if (event.type === 'usage')
        return { event: { ...event, usage: addUsage(continuation.usageBefore, event.usage) }, before: [] };
      if (event.type === 'finish') {
        const rest = continuation.seam.finish();
        return { event, before: rest === '' ? [] : [{ type: 'text_delta', text: rest }] };
      }
      return { event, before: [] };
    } catch (error) {
      return toDetourError(error);
    }
  }

  end(): string {
    return this.encoder === undefined ? '' : this.encoder.end();
  }
}

/** Two attempts' usage together. */
export function addUsage(first: Usage, second: Usage): Usage {
  const sum: Usage = {
    inputTokens: first.inputTokens + second.inputTokens,
    outputTokens: first.outputTokens + second.outputTokens,
  };
  for (const field of ['cacheReadTokens', 'cacheWriteTokens', 'reasoningTokens'] as const) {
    const value = (first[field] ?? 0) + (second[field] ?? 0);
    if (first[field] !== undefined || second[field] !== undefined) sum[field] = value;
  }
  return sum;
}

function isEmptyDelta(event: StreamEvent): boolean {
  return (
    (event.type === 'text_delta' && event.text === '') ||
    (event.type === 'tool_call_delta' && event.argumentsDelta === '') ||
    (event.type === 'reasoning_delta' &&
      event.text === '' &&
      event.signature === undefined &&
      event.redactedData === undefined)
  );
}

/**
 * Opens a stream to one deployment. The generator yields client-format chunks; it throws a
 * classified DetourError for an HTTP error, a timeout, a broken connection, an in-stream error
 * event, or a stream that ends without finishing. The caller decides what the client may still be
 * spared (nothing, once a content chunk was sent).
 */
export async function* openStream(target: AttemptTarget, input: AttemptInput): AsyncGenerator<StreamChunk> {
  const watchdog = new AttemptWatchdog(input.signal, target.timeouts, upstreamInfo(target));
  const wire = target.provider.wireFor(target.upstreamModel);
  const relay = new StreamRelay(
    upstreamCodecFor(wire),
    codecFor(input.clientProtocol),
    {
      passthrough: wire === input.clientProtocol,
      includeUsage: input.request.streamUsage ?? false,
      trackText: input.trackText === true,
      continuation: input.continuation,
    },
    target.upstreamModel,
  );
  let response: UpstreamHttpResponse | undefined;
  let contentSeen = false;
  try {
    try {
      response = await sendRequest(target, input, watchdog, true);
      for await (const message of target.provider.readStream(response.body, target.upstreamModel)) {
        // After the terminator, read on to the end of the body rather than break off: breaking off
        // destroys the body, which builds an AbortError with its stack on every stream (a hot-path
        // cost in profiles) and loses the connection when the host still had bytes to send.
        if (relay.done) continue;
        if (contentSeen) watchdog.progressed();
        const chunk = relay.relay(message);
        if (chunk.error !== undefined) {
          throw withUpstream(chunk.error, target);
        }
        if ((chunk.content || relay.hostContent) && !contentSeen) {
          contentSeen = true;
          watchdog.progressed();
        }
        if (chunk.text !== '' || chunk.usage !== undefined || chunk.finishReason !== undefined) {
          yield chunk;
        }
      }
    } catch (error) {
      // A host that keeps the body open after its terminator fails nothing the client got.
      if (!relay.done) throw error;
    }
    if (!relay.done && !relay.sawFinish) {
      throw badResponse(target, 'upstream stream ended before it finished');
    }
    const tail = relay.end();
    if (tail !== '') yield { text: tail, content: false };
  } catch (error) {
    // A kind's stream reader classifies the host's in-stream exceptions without knowing the
    // deployment; the attempt names it here.
    throw error instanceof DetourError
      ? withUpstream(error, target)
      : classifyTransportError(watchdog.explain(error), upstreamInfo(target));
  } finally {
    watchdog.dispose();
    // Leaving early (client gone, error) must release the upstream socket now, not at GC.
    if (response !== undefined && !response.body.destroyed) response.body.destroy();
  }
}

function withUpstream(error: DetourError, target: AttemptTarget): DetourError {
  if (error.upstream !== undefined) return error;
  return new DetourError(error.code, error.failureClass, error.message, {
    status: error.status,
    param: error.param,
    retryAfterMs: error.retryAfterMs,
    timeout: error.timeout,
    shouldRetry: error.shouldRetry,
    upstream: upstreamInfo(target),
    cause: error.cause,
  });
}
