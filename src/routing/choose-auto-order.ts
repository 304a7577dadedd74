import { type ChatRequest, DetourError, invalidRequest } from '../core/index.js';
import type { DeploymentStatus } from '../health/index.js';
import { exceedsWindow } from './context-window.js';
import type { AutoPreference, ModelCapabilities } from './model-facts.js';
import type { Deployment, ModelRoute, ModelTable } from './model-table.js';
import { LATENCY_WINDOW_MS } from './rank-by-latency.js';
import type { RoutingState } from './routing-state.js';

/** Output tokens an `auto` model prices a request at: its `max_tokens`, but no more than this. */
export const PRICED_OUTPUT_TOKENS = 1_000;

/** The capabilities a request needs, by the name the route reason gives each. */
const NEEDS: ReadonlyArray<readonly [keyof ModelCapabilities, string, (request: ChatRequest) => boolean]> = [
  ['tools', 'tools', usesTools],
  ['parallelTools', 'parallel tools', (request) => request.parallelToolCalls === true && usesTools(request)],
  ['vision', 'vision', (request) => hasPart(request, 'image')],
  ['jsonSchema', 'json schema', (request) => request.responseFormat?.type === 'json_schema'],
];

function usesTools(request: ChatRequest): boolean {
  return (request.tools?.length ?? 0) > 0 || hasPart(request, 'tool_call') || hasPart(request, 'tool_result');
}

function hasPart(request: ChatRequest, type: 'image' | 'tool_call' | 'tool_result'): boolean {
  return request.messages.some((message) =>
    message.content.some(
      (part) =>
        part.type === type ||
        (type === 'image' &&
          part.type === 'tool_result' &&
          part.content.some((inner) => inner.type === 'image')),
    ),
  );
}

const PHRASE: Readonly<Record<AutoPreference, string>> = {
  cost: 'cheapest',
  latency: 'fastest',
  balanced: 'best of cost and latency',
};

/** An `auto` model's candidates for one request, in the order to try them, and why. */
export interface AutoOrder {
  /** Candidate models: the ranked healthy ones, then the unhealthy ones (tried only in panic). */
  models: string[];
  /** One line for `x-detour-route-reason` and the request log. */
  reason: string;
}

/** What the choice reads besides the request. */
export interface AutoInputs {
  table: ModelTable;
  state: RoutingState;
  now: number;
  /** The prompt's estimate, when it was worth making (a candidate's window is near it). */
  promptTokens: number | undefined;
  /** A rough prompt size for pricing when there is no estimate. */
  roughPromptTokens: () => number;
}

interface Candidate {
  name: string;
  admissible: Deployment[];
  position: number;
}

/**
 * Routes a request to an `auto` model among its candidates (DESIGN.md section 10): a candidate
 * that lacks a capability the request needs (tools, parallel tools, vision, a JSON schema) or
 * whose every known window is too small for the prompt is left out; one with no deployment that
 * may take traffic now (ejected, cooling down, disabled, drained) goes last, to be tried only in
 * panic; the rest are ranked by the preference: `cost` by this request's price at the cheapest
 * admissible host (unpriced last), `latency` by the lowest recent median time to first token (or
 * latency) of an admissible host (unmeasured first, so they get measured), `balanced` by the sum of
 * both places. Ties keep the configured order.
 */
export function chooseAutoOrder(
  route: ModelRoute,
  preference: AutoPreference,
  among: readonly string[],
  request: ChatRequest,
  inputs: AutoInputs,
): AutoOrder {
  const needed = NEEDS.filter(([, , needs]) => needs(request));
  const ready: Candidate[] = [];
  const unhealthy: string[] = [];
  const skipped: string[] = [];
  let tooLong = false;
  among.forEach((name, position) => {
    const candidate = inputs.table.get(name);
    if (candidate === undefined || candidate.auto !== undefined) {
      skipped.push(`${name} (not a configured model)`);
      return;
    }
    const missing = needed.find(([capability]) => candidate.capabilities?.[capability] === false);
    if (missing !== undefined) {
      skipped.push(`${name} (no ${missing[1]})`);
      return;
    }
    const fitting = candidate.deployments.filter(
      (deployment) => !exceedsWindow(inputs.promptTokens, deployment.contextWindow),
    );
    if (fitting.length === 0) {
      tooLong = true;
      const window = Math.max(...candidate.deployments.map((deployment) => deployment.contextWindow ?? 0));
      skipped.push(`${name} (window ${window} < ~${inputs.promptTokens} tokens)`);
      return;
    }
    const statuses = fitting.map((deployment) => {
      inputs.state.health.advance(inputs.now, deployment.deploymentId);
      return inputs.state.health.status(deployment.deploymentId);
    });
    const admissible = fitting.filter((_, index) => statuses[index]?.admission !== 'no');
    if (admissible.length === 0) {
      unhealthy.push(name);
      skipped.push(`${name} (${unavailableReason(statuses[0])})`);
      return;
    }
    ready.push({ name, admissible, position });
  });
  if (ready.length === 0 && unhealthy.length === 0) throw nothingFits(route.name, skipped, tooLong);
  const ranked = rank(ready, preference, request, inputs).map((candidate) => candidate.name);
  const needs = needed.map(([, label]) => label);
  const withNeeds = needs.length === 0 ? '' : ` with ${needs.join(' and ')}`;
  const skippedText = skipped.length === 0 ? '' : `; skipped ${skipped.join(', ')}`;
  return {
    models: [...ranked, ...unhealthy],
    reason: `auto: ${PHRASE[preference]}${withNeeds} among [${ranked.join(', ')}]${skippedText}`,
  };
}

function unavailableReason(status: DeploymentStatus | undefined): string {
  if (status?.disabled !== undefined) return 'disabled';
  if (status?.drained === true) return 'drained';
  if (status?.coolingUntil !== undefined) return 'rate limited';
  return 'ejected';
}

function nothingFits(model: string, skipped: readonly string[], tooLong: boolean): DetourError {
  const message = `no candidate of '${model}' can serve this request: ${skipped.join(', ')}`;
  return tooLong && skipped.every((entry) => entry.includes(' (window '))
    ? new DetourError('context_length_exceeded', 'client_error', message, { status: 400, param: 'messages' })
    : invalidRequest(message);
}

function rank(
  candidates: readonly Candidate[],
  preference: AutoPreference,
  request: ChatRequest,
  inputs: AutoInputs,
): Candidate[] {
  const byCost = () => sortBy(candidates, (candidate) => priceOf(candidate, request, inputs));
  const byLatency = () => sortBy(candidates, (candidate) => latencyOf(candidate, inputs));
  switch (preference) {
    case 'cost':
      return byCost();
    case 'latency':
      return byLatency();
    case 'balanced': {
      const costPlace = placesOf(byCost());
      const latencyPlace = placesOf(byLatency());
      return sortBy(
        candidates,
        (candidate) => (costPlace.get(candidate) ?? 0) + (latencyPlace.get(candidate) ?? 0),
      );
    }
    default: {
      const unknown: never = preference;
      throw new Error(`unknown auto preference ${String(unknown)}`);
    }
  }
}

function placesOf(ordered: readonly Candidate[]): Map<Candidate, number> {
  return new Map(ordered.map((candidate, place) => [candidate, place]));
}

/** Stable sort by a key; ties (and equal infinities) keep the configured order. */
function sortBy(candidates: readonly Candidate[], key: (candidate: Candidate) => number): Candidate[] {
  const keyed = candidates.map((candidate) => ({ candidate, key: key(candidate) }));
  keyed.sort((left, right) =>
    left.key === right.key ? left.candidate.position - right.candidate.position : left.key - right.key,
  );
  return keyed.map(({ candidate }) => candidate);
}

/** This request's price in dollars at the cheapest priced admissible host; unpriced ranks last. */
function priceOf(candidate: Candidate, request: ChatRequest, inputs: AutoInputs): number {
  const input = inputs.promptTokens ?? inputs.roughPromptTokens();
  const output = Math.min(request.maxTokens ?? PRICED_OUTPUT_TOKENS, PRICED_OUTPUT_TOKENS);
  let best = Number.POSITIVE_INFINITY;
  for (const { price } of candidate.admissible) {
    if (price === undefined) continue;
    best = Math.min(best, (input * price.input + output * price.output) / 1_000_000);
  }
  return best;
}

/**
 * The lowest recent median time to first token of an admissible host (median latency where it has
 * not streamed lately); unmeasured candidates rank first (−∞) so that they get measured.
 */
function latencyOf(candidate: Candidate, inputs: AutoInputs): number {
  let best = Number.POSITIVE_INFINITY;
  for (const deployment of candidate.admissible) {
    const reading = inputs.state.health.window(deployment.deploymentId).read(LATENCY_WINDOW_MS);
    if (reading.total === 0) return Number.NEGATIVE_INFINITY;
    const value = reading.ttftP50 ?? reading.latencyP50;
    if (value !== null) best = Math.min(best, value);
  }
  return best;
}
