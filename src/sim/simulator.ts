import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeAnswer, cutByContentFilter } from './compose-answer.js';
import { FaultBook, type FaultRule, faultRuleSchema, type SimFault } from './fault.js';
import { type GoogleServiceAccount, generateServiceAccount } from './google-service-account.js';
import { GoogleTokenIssuer } from './google-token-endpoint.js';
import { matchHostRoute, type SimApiRoute } from './host-routes.js';
import { type DualProtocolListener, listenHttp1AndH2c } from './listen-http1-and-h2c.js';
import { type ScenarioStep, scheduleScenario } from './scenario.js';
import { seededRandom } from './seeded-random.js';
import { firstHalf, sendStream } from './send-stream.js';
import { type SimCredentials, simCredentials } from './sim-credentials.js';
import type { SimExchange } from './sim-exchange.js';
import type { SimPrompt } from './sim-prompt.js';
import { type ResponseIds, SimRequestError, type SimWire, type VendorErrorSpec } from './sim-wire.js';

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
   * How a delay (latency, first token, token interval) is waited out; default: real time. In
   * process, a test can pass one that moves the gateway's injected clock instead, so latencies are
   * measured exactly and cost no real time.
   */
  wait?: (ms: number) => Promise<void>;
  /**
   * Credentials the hosts accept, per vendor (default: {@link SIM_AWS_CREDENTIALS} and
   * {@link SIM_BEDROCK_API_KEY} for Bedrock). Hosts of vendors that check none take any.
   */
  credentials?: Partial<SimCredentials>;
  /**
   * The simulator's clock in epoch ms (default `Date.now`): when Google access tokens expire, and
   * whether a JWT grant is in its time window. A test moves it to expire tokens without waiting.
   */
  now?: () => number;
  /** Seconds a Google access token from the token endpoint lives (default 3599, as Google's). */
  googleTokenLifetimeSeconds?: number;
}

/** A service account the simulator's token endpoint honours. */
export interface SimServiceAccount {
  /** The key file's content; its `token_uri` is `<simulator>/hosts/<host>/token`. */
  json: GoogleServiceAccount;
  /** The same, written to a file (removed when the simulator closes), for `GOOGLE_APPLICATION_CREDENTIALS`. */
  keyFile: string;
}

/** One request a host received. */
export interface SimRequestRecord {
  /** The upstream model asked for. */
  model: string;
  /** The path called under `/hosts/<name>`, raw (percent-encoding as received). */
  path: string;
  /** The parsed JSON body. */
  body: unknown;
  /** Request headers, lower-case names (HTTP/2 pseudo-headers such as `:authority` included). */
  headers: Record<string, string>;
  /** The fault applied, if any. */
  fault?: SimFault['type'];
  /** The caller closed the connection before the response ended. */
  aborted?: boolean;
}

/** Counters of one simulated host. */
export interface SimHostStats {
  /** Requests received on the host's API routes. */
  requests: number;
  /** Requests answered with a fault. */
  faulted: number;
  /**
   * Requests whose caller closed the connection before the response ended: what an upstream abort
   * looks like from the host (the simulator's own resets are not counted).
   */
  aborted: number;
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
  /** JWT grants the Google token endpoint answered with an access token. */
  googleTokenGrants: number;
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
  /**
   * Makes a Google service account (a fresh RSA key) whose JWT grants the token endpoint at
   * `/hosts/<host>/token` honours (`host` defaults to `google`; any host's `/token` serves every
   * account). Tokens it gets are accepted by Vertex AI routes of `projectId` (default `sim-project`);
   * other projects answer 403.
   */
  createServiceAccount(options?: { projectId?: string; host?: string }): Promise<SimServiceAccount>;
  /** Stops the server and closes every open connection. */
  close(): Promise<void>;
}

const RECENT_LIMIT = 50;
const MAX_BODY_BYTES = 32 * 1024 * 1024;

function sleep(ms: number): Promise<void> {
  return ms <= 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, ms));
}

function sendJson(
  exchange: SimExchange,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  exchange.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  exchange.end(text);
}

function flattenHeaders(exchange: SimExchange): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(exchange.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

/** The request's prompt as the wire reads it, or the vendor's 400 for it. */
function readPrompt(
  wire: SimWire,
  body: unknown,
  exchange: SimExchange,
  route: SimApiRoute & { endpoint: 'chat' | 'count_tokens' },
): SimPrompt | SimRequestError {
  if (body === undefined)
    return new SimRequestError({ status: 400, message: 'The body is not valid JSON.' }, 'bad json');
  try {
    return wire.readPrompt(body, exchange.headers, route);
  } catch (error) {
    if (error instanceof SimRequestError) return error;
    throw error;
  }
}

/** The simulated upstream: many hosts on one port, each speaking the wire format of the path it is called on. */
class SimulatorServer implements Simulator {
  readonly url: string;
  private readonly faults = new FaultBook();
  private hostStats = new Map<string, SimHostStats>();
  private connections = 0;
  private readonly roll: () => number;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly tokenIssuer: GoogleTokenIssuer;
  private serviceAccounts = 0;
  /** Where key files of service accounts go; made on the first one, removed at close. */
  private keyDirectory: Promise<string> | undefined;

  constructor(
    private readonly listener: DualProtocolListener,
    private readonly options: Required<Omit<SimulatorOptions, 'port' | 'host' | 'credentials'>>,
    private readonly credentials: SimCredentials,
    url: string,
  ) {
    this.url = url;
    this.roll = seededRandom(options.seed ^ 0x9e3779b9);
    this.tokenIssuer =
      credentials.googleTokenIssuer ??
      new GoogleTokenIssuer({
        lifetimeSeconds: options.googleTokenLifetimeSeconds,
        now: options.now,
        // Every host's `/token` is the one endpoint.
        isOwnUri: (uri) => uri.startsWith(`${url}/hosts/`) && uri.endsWith('/token'),
      });
    credentials.googleTokenIssuer = this.tokenIssuer;
  }

  async createServiceAccount(
    options: { projectId?: string; host?: string } = {},
  ): Promise<SimServiceAccount> {
    this.serviceAccounts += 1;
    const projectId = options.projectId ?? 'sim-project';
    const { account, publicKey } = generateServiceAccount({
      tokenUri: `${this.url}/hosts/${encodeURIComponent(options.host ?? 'google')}/token`,
      projectId,
      name: `sim-${this.serviceAccounts}`,
    });
    this.tokenIssuer.register(account.client_email, publicKey, projectId);
    this.keyDirectory ??= mkdtemp(join(tmpdir(), 'detour-sim-keys-'));
    const keyFile = join(await this.keyDirectory, `${account.client_email}.json`);
    await writeFile(keyFile, JSON.stringify(account, null, 2), { mode: 0o600 });
    return { json: account, keyFile };
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
    return {
      hosts,
      connections: this.connections,
      faults: this.faults.list(),
      googleTokenGrants: this.tokenIssuer.grants,
    };
  }

  resetStats(): void {
    this.hostStats = new Map();
    this.connections = 0;
    this.tokenIssuer.resetGrants();
  }

  /** Counts an accepted TCP connection. */
  countConnection(): void {
    this.connections += 1;
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await this.listener.close();
    if (this.keyDirectory !== undefined) await rm(await this.keyDirectory, { recursive: true, force: true });
  }

  /** Entry point of every request, HTTP/1.1 or HTTP/2. */
  async handle(exchange: SimExchange): Promise<void> {
    const path = exchange.target.split('?')[0] ?? '/';
    if (path.startsWith('/_sim/')) return this.handleControl(path, exchange);
    const matched = matchHostRoute(exchange.target);
    if (matched === undefined) {
      sendJson(exchange, 404, {
        error: { message: `no such route: ${exchange.method} ${path}`, type: 'not_found' },
      });
      return;
    }
    const { host, route } = matched;
    if (route.endpoint === 'other') {
      const body = await exchange.readBody(MAX_BODY_BYTES);
      const answer = await route.answer(this.httpRequest(exchange, body), this.credentials);
      sendJson(exchange, answer.status, answer.body, answer.headers);
      return;
    }
    if (route.endpoint === 'models') {
      sendJson(exchange, 200, { object: 'list', data: [] });
      return;
    }
    if (exchange.method !== 'POST') {
      sendJson(exchange, 405, { error: { message: 'method not allowed', type: 'invalid_request_error' } });
      return;
    }
    await this.answerApi(exchange, host, matched.path, { ...route, endpoint: route.endpoint });
  }

  /** A model API request: authentication, the fault program, then the simulated model's answer. */
  private async answerApi(
    exchange: SimExchange,
    host: string,
    path: string,
    route: SimApiRoute & { endpoint: 'chat' | 'count_tokens' },
  ): Promise<void> {
    const { wire } = route;
    const raw = await exchange.readBody(MAX_BODY_BYTES);
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      body = undefined;
    }
    const bodyModel = (body as { model?: unknown } | undefined)?.model;
    const model = route.model ?? (typeof bodyModel === 'string' ? bodyModel : '');
    const record: SimRequestRecord = { model, path, body, headers: flattenHeaders(exchange) };
    this.count(host, record);
    this.watchForAbort(host, record, exchange);
    const requestId = `req_${randomBytes(8).toString('hex')}`;
    const headers = wire.responseHeaders(requestId);
    const sendError = (spec: VendorErrorSpec, extra: Record<string, string> = {}) =>
      sendJson(exchange, spec.status, wire.errorBody(spec), {
        ...headers,
        ...wire.errorHeaders?.(spec),
        ...extra,
      });

    const denied = await wire.authenticate?.(this.httpRequest(exchange, raw), this.credentials);
    if (denied !== undefined) {
      sendError(denied);
      return;
    }

    // Read before the fault is picked (its errors are answered after the faults that come first), so
    // a rule for prefill requests can pass over requests without one.
    const read = readPrompt(wire, body, exchange, route);
    const prefill = read instanceof SimRequestError || route.endpoint !== 'chat' ? undefined : read.prefill;
    const rejection = prefill === undefined ? undefined : wire.prefillRejection?.(prefill);
    const fault = this.faults.pick(
      host,
      model,
      this.roll(),
      (candidate) => candidate.type !== 'reject_prefill' || rejection !== undefined,
    );
    if (fault !== undefined) {
      record.fault = fault.type;
      this.hostStatsOf(host).faulted += 1;
    }

    switch (fault?.type) {
      case 'status':
        sendError(fault, fault.headers);
        return;
      case 'silence':
        if (fault.closeAfterMs !== undefined) {
          await this.options.wait(fault.closeAfterMs);
          // The caller may have given up first (its own first-token limit): nothing left to close.
          if (!exchange.destroyed) exchange.reset();
        }
        return;
      case 'reset_before_headers':
        exchange.reset();
        return;
      case 'reject_prefill':
        // Picked only for a request with a prefill the wire refuses.
        if (rejection !== undefined) sendError(rejection);
        return;
      case 'latency':
        await this.options.wait(fault.ms);
        break;
      default:
        break;
    }

    if (read instanceof SimRequestError) {
      sendError(read.spec);
      return;
    }
    const prompt = read;

    if (route.endpoint === 'count_tokens') {
      const inputTokens = Math.max(1, Math.ceil(prompt.promptChars / 4));
      sendJson(exchange, 200, wire.tokenCount?.(inputTokens) ?? { input_tokens: inputTokens }, headers);
      return;
    }
    const ids: ResponseIds = {
      id: `${wire.idPrefix}${requestId.slice(4)}`,
      created: Math.floor(Date.now() / 1000),
    };
    if (fault?.type === 'content_filter' && (fault.stage ?? 'prompt') === 'prompt') {
      this.refusePrompt(exchange, wire, prompt, ids, headers);
      return;
    }
    let answer = composeAnswer(prompt, this.options.seed, fault?.type === 'wrong_answer');
    if (fault?.type === 'content_filter') answer = cutByContentFilter(answer, fault.afterChunks ?? 0);
    if (prompt.stream)
      await sendStream(exchange, wire, wire.stream(answer, prompt, ids), headers, fault, this.options);
    else
      await this.respond(
        exchange,
        wire,
        wire.response(answer, prompt, ids),
        { ...headers, ...wire.answerHeaders?.(answer) },
        fault,
        answer.tokens.length,
      );
  }

  /** A prompt the vendor's content filter caught: the vendor's verdict, or its 400 `content_filter`. */
  private refusePrompt(
    exchange: SimExchange,
    wire: SimWire,
    prompt: SimPrompt,
    ids: ResponseIds,
    headers: Record<string, string>,
  ): void {
    const verdict = wire.blockedPrompt?.(prompt, ids);
    if (verdict === undefined) {
      // Azure's code for it; other vendors' bodies carry it as their error code.
      const spec: VendorErrorSpec = { status: 400, errorCode: 'content_filter' };
      sendJson(exchange, 400, wire.errorBody(spec), { ...headers, ...wire.errorHeaders?.(spec) });
      return;
    }
    if (!prompt.stream) {
      sendJson(exchange, 200, verdict.body, headers);
      return;
    }
    exchange.writeHead(200, { ...wire.streamHeaders, ...headers });
    exchange.end(verdict.event);
  }

  private httpRequest(exchange: SimExchange, body: Buffer) {
    return {
      httpVersion: exchange.httpVersion,
      method: exchange.method,
      target: exchange.target,
      headers: exchange.headers,
      body,
    };
  }

  private async respond(
    exchange: SimExchange,
    wire: SimWire,
    body: unknown,
    headers: Record<string, string>,
    fault: SimFault | undefined,
    tokens: number,
  ): Promise<void> {
    const text = JSON.stringify(body);
    switch (fault?.type) {
      case 'time_to_first_token':
        await this.options.wait(fault.ms);
        break;
      case 'slow_tokens':
        await this.options.wait(fault.ms * tokens);
        break;
      case 'stream_error': {
        // A non-streamed request has no stream to fail in: the same failure arrives as the status.
        const spec = wire.streamErrorAsStatus(fault.errorType, fault.message);
        sendJson(exchange, spec.status, wire.errorBody(spec), { ...headers, ...wire.errorHeaders?.(spec) });
        return;
      }
      case 'stall':
        exchange.writeHead(200, { 'content-type': 'application/json', ...headers });
        exchange.flushHeaders();
        return;
      case 'malformed_json':
      case 'malformed_sse':
        exchange.writeHead(200, { 'content-type': 'application/json', ...headers });
        exchange.end(`${firstHalf(text)}<html>upstream proxy error</html>`);
        return;
      case 'reset_mid_body':
        exchange.writeHead(200, { 'content-type': 'application/json', ...headers });
        exchange.write(firstHalf(text), () => exchange.reset());
        return;
      case 'truncate_stream':
        exchange.writeHead(200, { 'content-type': 'application/json', ...headers });
        exchange.end(firstHalf(text));
        return;
      default:
        await this.options.wait(this.options.timeToFirstTokenMs);
    }
    if (!exchange.destroyed) sendJson(exchange, 200, body, headers);
  }

  private async handleControl(path: string, exchange: SimExchange): Promise<void> {
    const route = `${exchange.method} ${path}`;
    try {
      switch (route) {
        case 'GET /_sim/stats':
          sendJson(exchange, 200, this.stats());
          return;
        case 'DELETE /_sim/stats':
          this.resetStats();
          exchange.writeHead(204, {});
          exchange.end();
          return;
        case 'POST /_sim/faults': {
          const body = await exchange.readBody(MAX_BODY_BYTES);
          const id = this.setFault(faultRuleSchema.parse(JSON.parse(body.toString('utf8'))));
          sendJson(exchange, 201, { id });
          return;
        }
        case 'DELETE /_sim/faults':
          this.clearFaults();
          exchange.writeHead(204, {});
          exchange.end();
          return;
        default:
          sendJson(exchange, 404, { error: { message: `no such control route: ${route}` } });
      }
    } catch (error) {
      sendJson(exchange, 400, { error: { message: error instanceof Error ? error.message : String(error) } });
    }
  }

  private hostStatsOf(host: string): SimHostStats {
    let stats = this.hostStats.get(host);
    if (stats === undefined) {
      stats = { requests: 0, faulted: 0, aborted: 0, recent: [] };
      this.hostStats.set(host, stats);
    }
    return stats;
  }

  /** Counts the request as aborted if its caller hangs up before the response has ended. */
  private watchForAbort(host: string, record: SimRequestRecord, exchange: SimExchange): void {
    // Taken now, so a late close after `resetStats()` lands in the old counters, not the new ones.
    const stats = this.hostStatsOf(host);
    exchange.onClose((byCaller) => {
      if (!byCaller) return;
      record.aborted = true;
      stats.aborted += 1;
    });
  }

  private count(host: string, record: SimRequestRecord): void {
    const stats = this.hostStatsOf(host);
    stats.requests += 1;
    stats.recent.push(record);
    if (stats.recent.length > RECENT_LIMIT) stats.recent.shift();
  }
}

/**
 * Starts the upstream simulator on one port that speaks HTTP/1.1 and HTTP/2 cleartext: hosts at
 * `/hosts/<name>/…` in the wire format of the path (OpenAI `/v1/chat/completions`, Anthropic
 * `/v1/messages`…, see `host-routes.ts`), and a control API at `/_sim/`.
 */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const settings = {
    seed: options.seed ?? 1,
    timeToFirstTokenMs: options.timeToFirstTokenMs ?? 0,
    tokenIntervalMs: options.tokenIntervalMs ?? 0,
    wait: options.wait ?? sleep,
    now: options.now ?? Date.now,
    googleTokenLifetimeSeconds: options.googleTokenLifetimeSeconds ?? 3599,
  };
  let simulator: SimulatorServer | undefined;
  const host = options.host ?? '127.0.0.1';
  const listener = await listenHttp1AndH2c({
    port: options.port ?? 0,
    host,
    onConnection: () => simulator?.countConnection(),
    handle: (exchange) => {
      simulator?.handle(exchange).catch((error: unknown) => {
        if (!exchange.headersSent)
          sendJson(exchange, 500, { error: { message: String(error), type: 'server_error' } });
        else exchange.reset();
      });
    },
  });
  const url = `http://${host}:${listener.address.port}`;
  simulator = new SimulatorServer(listener, settings, simCredentials(options.credentials), url);
  return simulator;
}
