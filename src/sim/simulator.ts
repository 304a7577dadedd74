import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { anthropicWire } from './anthropic-wire.js';
import { composeAnswer } from './compose-answer.js';
import { FaultBook, type FaultRule, faultRuleSchema, type SimFault } from './fault.js';
import { openaiWire } from './openai-wire.js';
import { type ScenarioStep, scheduleScenario } from './scenario.js';
import { seededRandom } from './seeded-random.js';
import type { SimPrompt } from './sim-prompt.js';
import {
  type ResponseIds,
  SimRequestError,
  type SimWire,
  type StreamPiece,
  type VendorErrorSpec,
} from './sim-wire.js';

/** Options for {@link startSimulator}. */
export interface SimulatorOptions {
  /** Port on 127.0.0.1 (0 = a free one). */
  port?: number;
  /** Address to listen on. */
  host?: string;
  /** Seed of answers and fault rolls. */
  seed?: number;
  /** Delay before the first token of every stream, in ms. */
  timeToFirstTokenMs?: number;
  /** Delay between tokens of every stream, in ms. */
  tokenIntervalMs?: number;
  /**
   * How every delay above and in faults is waited out; default a real timer. A test can pass one
   * that moves the gateway's injected clock instead of waiting, so the gateway measures exactly
   * the simulator's timings, however loaded the machine is.
   */
  sleep?: (ms: number) => Promise<void>;
}

/** One request a host received. */
export interface SimRequestRecord {
  /** The upstream model asked for. */
  model: string;
  /** The path called. */
  path: string;
  /** The parsed JSON body. */
  body: unknown;
  /** Request headers, lower-case names. */
  headers: Record<string, string>;
  /** The fault applied, if any. */
  fault?: SimFault['type'];
}

/** Counters of one simulated host. */
export interface SimHostStats {
  /** Requests received on the host's API routes. */
  requests: number;
  /** Requests answered with a fault. */
  faulted: number;
  /** The latest requests, oldest first (at most 50). */
  recent: SimRequestRecord[];
}

/** Everything the simulator counted since the last reset. */
export interface SimStats {
  hosts: Record<string, SimHostStats>;
  /** TCP connections accepted (clients that reuse keep-alive connections open few). */
  connections: number;
  /** Fault rules in force. */
  faults: FaultRule[];
}

/** A running simulator. */
export interface Simulator {
  /** Base URL, e.g. `http://127.0.0.1:4100`; hosts live under `/hosts/<name>/`. */
  readonly url: string;
  /** Adds a fault rule; returns its id. */
  setFault(rule: FaultRule): number;
  /** Removes one fault rule by id. */
  removeFault(id: number): void;
  /** Removes every fault rule (or one host's). */
  clearFaults(host?: string): void;
  /** Runs a timeline of fault changes; times are from now. */
  runScenario(steps: ScenarioStep[]): void;
  /** Counters since the last reset. */
  stats(): SimStats;
  /** Zeroes the counters. */
  resetStats(): void;
  /** Stops the server and closes every open connection. */
  close(): Promise<void>;
}

const RECENT_LIMIT = 50;
const HOST_ROUTE = /^\/hosts\/([^/]+)(\/v1\/(?:chat\/completions|messages|messages\/count_tokens|models))$/;
const MAX_BODY_BYTES = 32 * 1024 * 1024;

function sleep(ms: number): Promise<void> {
  return ms <= 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, ms));
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) request.destroy(new Error('body too large'));
      else chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  response.end(text);
}

function flattenHeaders(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

/** Where in a stream a fault cuts in: after this many content events. */
function cutPoint(fault: SimFault | undefined): number | undefined {
  switch (fault?.type) {
    case 'stream_error':
    case 'stall':
    case 'malformed_sse':
      return fault.afterChunks ?? 0;
    case 'reset_mid_body':
      return fault.afterChunks ?? 2;
    case 'malformed_json':
      return 0;
    default:
      return undefined;
  }
}

/** The simulated upstream: many hosts on one HTTP server, each speaking OpenAI's or Anthropic's format. */
class SimulatorServer implements Simulator {
  readonly url: string;
  private readonly faults = new FaultBook();
  private hostStats = new Map<string, SimHostStats>();
  private connections = 0;
  private readonly roll: () => number;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly server: Server,
    private readonly options: Required<Omit<SimulatorOptions, 'port' | 'host'>>,
    url: string,
  ) {
    this.url = url;
    this.roll = seededRandom(options.seed ^ 0x9e3779b9);
  }

  setFault(rule: FaultRule): number {
    return this.faults.add(faultRuleSchema.parse(rule));
  }

  removeFault(id: number): void {
    this.faults.remove({ id });
  }

  clearFaults(host = '*'): void {
    this.faults.remove({ host });
  }

  runScenario(steps: ScenarioStep[]): void {
    for (const timer of scheduleScenario(steps, this)) this.timers.add(timer);
  }

  stats(): SimStats {
    const hosts: Record<string, SimHostStats> = {};
    for (const [name, stats] of this.hostStats) hosts[name] = { ...stats, recent: [...stats.recent] };
    return { hosts, connections: this.connections, faults: this.faults.list() };
  }

  resetStats(): void {
    this.hostStats = new Map();
    this.connections = 0;
  }

  /** Counts an accepted TCP connection. */
  countConnection(): void {
    this.connections += 1;
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  /** Entry point of every HTTP request. */
  async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    if (path.startsWith('/_sim/')) return this.handleControl(path, request, response);
    const match = HOST_ROUTE.exec(path);
    if (match === null) {
      sendJson(response, 404, {
        error: { message: `no such route: ${request.method} ${path}`, type: 'not_found' },
      });
      return;
    }
    const host = decodeURIComponent(match[1] ?? '');
    const endpoint = match[2] ?? '';
    if (endpoint === '/v1/models') {
      sendJson(response, 200, { object: 'list', data: [] });
      return;
    }
    if (request.method !== 'POST') {
      sendJson(response, 405, { error: { message: 'method not allowed', type: 'invalid_request_error' } });
      return;
    }
    const wire = endpoint === '/v1/chat/completions' ? openaiWire : anthropicWire;
    const text = await readBody(request);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    const model =
      typeof (body as { model?: unknown })?.model === 'string' ? (body as { model: string }).model : '';
    const record: SimRequestRecord = { model, path: endpoint, body, headers: flattenHeaders(request) };
    this.count(host, record);

    const fault = this.faults.pick(host, model, this.roll());
    if (fault !== undefined) {
      record.fault = fault.type;
      this.hostStatsOf(host).faulted += 1;
    }
    const requestId = `req_${randomBytes(8).toString('hex')}`;
    const headers = wire.responseHeaders(requestId);

    switch (fault?.type) {
      case 'status':
        sendJson(response, fault.status, wire.errorBody(fault), { ...headers, ...fault.headers });
        return;
      case 'silence':
        return;
      case 'reset_before_headers':
        request.socket.destroy();
        return;
      case 'latency':
        await this.options.sleep(fault.ms);
        break;
      default:
        break;
    }

    let prompt: SimPrompt;
    try {
      if (body === undefined)
        throw new SimRequestError({ status: 400, message: 'The body is not valid JSON.' }, 'bad json');
      // count_tokens takes a Messages request without `max_tokens`.
      const counted =
        endpoint === '/v1/messages/count_tokens' ? { max_tokens: 1, ...(body as object) } : body;
      prompt = wire.readPrompt(counted, request.headers);
    } catch (error) {
      if (!(error instanceof SimRequestError)) throw error;
      sendJson(response, error.spec.status, wire.errorBody(error.spec), headers);
      return;
    }

    if (endpoint === '/v1/messages/count_tokens') {
      sendJson(response, 200, { input_tokens: Math.max(1, Math.ceil(prompt.promptChars / 4)) }, headers);
      return;
    }
    const answer = composeAnswer(prompt, this.options.seed, fault?.type === 'wrong_answer');
    const ids: ResponseIds = {
      id: wire === openaiWire ? `chatcmpl-${requestId.slice(4)}` : `msg_${requestId.slice(4)}`,
      created: Math.floor(Date.now() / 1000),
    };
    if (prompt.stream) await this.stream(response, wire, wire.stream(answer, prompt, ids), headers, fault);
    else
      await this.respond(
        response,
        wire,
        wire.response(answer, prompt, ids),
        headers,
        fault,
        answer.tokens.length,
      );
  }

  private async respond(
    response: ServerResponse,
    wire: SimWire,
    body: unknown,
    headers: Record<string, string>,
    fault: SimFault | undefined,
    tokens: number,
  ): Promise<void> {
    const text = JSON.stringify(body);
    switch (fault?.type) {
      case 'time_to_first_token':
        await this.options.sleep(fault.ms);
        break;
      case 'slow_tokens':
        await this.options.sleep(fault.ms * tokens);
        break;
      case 'stream_error': {
        // A non-streamed request has no stream to fail in: the same failure arrives as the status.
        const spec: VendorErrorSpec = { status: wire === openaiWire ? 500 : 529 };
        if (fault.errorType !== undefined) spec.errorType = fault.errorType;
        if (fault.message !== undefined) spec.message = fault.message;
        sendJson(response, spec.status, wire.errorBody(spec), headers);
        return;
      }
      case 'stall':
        response.writeHead(200, { 'content-type': 'application/json', ...headers });
        response.flushHeaders();
        return;
      case 'malformed_json':
      case 'malformed_sse':
        response.writeHead(200, { 'content-type': 'application/json', ...headers });
        response.end(`${text.slice(0, Math.floor(text.length / 2))}<html>upstream proxy error</html>`);
        return;
      case 'reset_mid_body':
        response.writeHead(200, { 'content-type': 'application/json', ...headers });
        response.write(text.slice(0, Math.floor(text.length / 2)), () => response.destroy());
        return;
      case 'truncate_stream':
        response.writeHead(200, { 'content-type': 'application/json', ...headers });
        response.end(text.slice(0, Math.floor(text.length / 2)));
        return;
      default:
        await this.options.sleep(this.options.timeToFirstTokenMs);
    }
    if (!response.destroyed) sendJson(response, 200, body, headers);
  }

  private async stream(
    response: ServerResponse,
    wire: SimWire,
    pieces: StreamPiece[],
    headers: Record<string, string>,
    fault: SimFault | undefined,
  ): Promise<void> {
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      ...headers,
    });
    response.flushHeaders();
    const firstTokenDelay =
      fault?.type === 'time_to_first_token' ? fault.ms : this.options.timeToFirstTokenMs;
    const tokenInterval = fault?.type === 'slow_tokens' ? fault.ms : this.options.tokenIntervalMs;
    const cut = cutPoint(fault);
    let sent = 0;
    for (const piece of pieces) {
      if (response.destroyed) return;
      if (piece.kind === 'tail' && fault?.type === 'truncate_stream') break;
      if (piece.kind === 'content') {
        if (cut !== undefined && sent === cut && fault !== undefined && this.cutStream(response, wire, fault))
          return;
        await this.options.sleep(sent === 0 ? firstTokenDelay : tokenInterval);
        if (response.destroyed) return;
        sent += 1;
      }
      response.write(piece.sse);
    }
    if (cut !== undefined && sent <= cut && fault !== undefined && this.cutStream(response, wire, fault))
      return;
    response.end();
  }

  /** Applies a mid-stream fault; true when the stream must stop here. */
  private cutStream(response: ServerResponse, wire: SimWire, fault: SimFault): boolean {
    switch (fault.type) {
      case 'stream_error':
        response.end(wire.streamError(fault.errorType, fault.message));
        return true;
      case 'stall':
        return true;
      case 'reset_mid_body':
        response.destroy();
        return true;
      case 'malformed_sse':
      case 'malformed_json':
        response.write('data: {"choices": [{"delta": {"content": "unterminated\n\n');
        return false;
      default:
        return false;
    }
  }

  private async handleControl(
    path: string,
    request: IncomingMessage,
    response: ServerResponse,
  ): Promise<void> {
    const route = `${request.method} ${path}`;
    try {
      switch (route) {
        case 'GET /_sim/stats':
          sendJson(response, 200, this.stats());
          return;
        case 'DELETE /_sim/stats':
          this.resetStats();
          response.writeHead(204).end();
          return;
        case 'POST /_sim/faults': {
          const id = this.setFault(faultRuleSchema.parse(JSON.parse(await readBody(request))));
          sendJson(response, 201, { id });
          return;
        }
        case 'DELETE /_sim/faults':
          this.clearFaults();
          response.writeHead(204).end();
          return;
        default:
          sendJson(response, 404, { error: { message: `no such control route: ${route}` } });
      }
    } catch (error) {
      sendJson(response, 400, { error: { message: error instanceof Error ? error.message : String(error) } });
    }
  }

  private hostStatsOf(host: string): SimHostStats {
    let stats = this.hostStats.get(host);
    if (stats === undefined) {
      stats = { requests: 0, faulted: 0, recent: [] };
      this.hostStats.set(host, stats);
    }
    return stats;
  }

  private count(host: string, record: SimRequestRecord): void {
    const stats = this.hostStatsOf(host);
    stats.requests += 1;
    stats.recent.push(record);
    if (stats.recent.length > RECENT_LIMIT) stats.recent.shift();
  }
}

/**
 * Starts the upstream simulator: OpenAI-format hosts at `/hosts/<name>/v1/chat/completions`,
 * Anthropic-format hosts at `/hosts/<name>/v1/messages`, and a control API at `/_sim/`.
 */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const settings = {
    seed: options.seed ?? 1,
    timeToFirstTokenMs: options.timeToFirstTokenMs ?? 0,
    tokenIntervalMs: options.tokenIntervalMs ?? 0,
    sleep: options.sleep ?? sleep,
  };
  let simulator: SimulatorServer | undefined;
  const server = createServer((request, response) => {
    simulator?.handle(request, response).catch((error: unknown) => {
      if (!response.headersSent)
        sendJson(response, 500, { error: { message: String(error), type: 'server_error' } });
      else response.destroy();
    });
  });
  server.on('connection', () => simulator?.countConnection());
  // Keep-alive sockets of clients (Detour's pool) must not hold the simulator open at close.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  simulator = new SimulatorServer(server, settings, `http://${options.host ?? '127.0.0.1'}:${address.port}`);
  return simulator;
}
