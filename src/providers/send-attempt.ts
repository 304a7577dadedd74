import {
  type ChatRequest,
  type Clock,
  DetourError,
  type FinishReason,
  isContentEvent,
  type ProtocolName,
  type StreamEvent,
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
}

function upstreamInfo(target: AttemptTarget): UpstreamErrorInfo {
  return { provider: target.provider.name, deployment: target.deploymentId };
}

function buildBody(target: AttemptTarget, input: AttemptInput, stream: boolean): Record<string, unknown> {
  const wire = target.provider.wireFor(target.upstreamModel);
  if (wire === input.clientProtocol) {
    // Fast path: the client's own body, every unknown field intact, with only the model id swapped.
    return { ...input.rawBody, model: target.upstreamModel };
  }
  // Across protocols we always ask for usage so cost can be recorded; the client's encoder decides
  // whether the client sees it.
  const request = stream ? { ...input.request, streamUsage: true } : input.request;
  return upstreamCodecFor(wire).encodeRequest(request, target.upstreamModel);
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
    response = await input.transport.request({ ...call, signal: guard.signal, ...guard.transportTimeouts });
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
  private finished = false;
  /** A content event has passed: from here on plain deltas need no parsing (same protocol only). */
  private contentFlowing = false;

  constructor(
    private readonly upstreamCodec: UpstreamCodec,
    clientCodec: ReturnType<typeof codecFor>,
    private readonly passthrough: boolean,
    includeUsage: boolean,
    /** The deployment's model id, for wire formats whose answers do not name one (Converse). */
    private readonly upstreamModel: string,
  ) {
    this.decoder = upstreamCodec.createStreamDecoder();
    this.encoder = passthrough ? undefined : clientCodec.createStreamEncoder({ includeUsage });
  }

  get done(): boolean {
    return this.decoder.done;
  }

  get sawFinish(): boolean {
    return this.finished;
  }

  relay(message: SseMessage): StreamChunk & { error?: DetourError } {
    // Same protocol, content already flowing: a plain delta is forwarded as it came, unparsed.
    if (this.passthrough && this.contentFlowing && this.upstreamCodec.isPlainDelta(message)) {
      return { text: formatSseEvent(message), content: true };
    }
    const events: StreamEvent[] = this.decoder.decode(message);
    let content = false;
    let usage: Usage | undefined;
    let finishReason: FinishReason['unified'] | undefined;
    let text = '';
    for (const event of events) {
      if (event.type === 'error')
        return { text: '', content: false, error: DetourError.fromShape(event.error) };
      if (event.type === 'finish') {
        this.finished = true;
        finishReason = event.finishReason.unified;
      }
      if (event.type === 'usage') usage = event.usage;
      if (event.type === 'start' && event.model === '') event.model = this.upstreamModel;
      if (isContentEvent(event) && !isEmptyDelta(event)) content = true;
      if (this.encoder !== undefined) text += this.encoder.encode(event);
    }
    if (content) this.contentFlowing = true;
    if (this.passthrough) text = formatSseEvent(message);
    const chunk: StreamChunk = { text, content };
    if (usage !== undefined) chunk.usage = usage;
    if (finishReason !== undefined) chunk.finishReason = finishReason;
    return chunk;
  }

  end(): string {
    return this.encoder === undefined ? '' : this.encoder.end();
  }
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
    wire === input.clientProtocol,
    input.request.streamUsage ?? false,
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
        if (chunk.content && !contentSeen) {
          contentSeen = true;
          watchdog.progressed();
        }
        if (chunk.text !== '' || chunk.usage !== undefined || chunk.finishReason !== undefined) yield chunk;
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
