import { z } from 'zod';

/**
 * The faults the simulator can inject, one variant per failure mode of SCENARIOS.md. Validated with
 * zod because they arrive over the control API and from scenario files.
 */
export const faultSchema = z.discriminatedUnion('type', [
  /** Answer with this status and the vendor's error body (type, code and message default per status). */
  z.object({
    type: z.literal('status'),
    status: z.int().min(400).max(599),
    errorType: z.string().optional(),
    errorCode: z.string().optional(),
    message: z.string().optional(),
    headers: z.record(z.string(), z.string()).optional(),
  }),
  /** Wait this long before answering at all (headers included). */
  z.object({ type: z.literal('latency'), ms: z.number().min(0) }),
  /** Send headers at once but wait this long before the first token. */
  z.object({ type: z.literal('time_to_first_token'), ms: z.number().min(0) }),
  /** Wait this long between tokens of a stream. */
  z.object({ type: z.literal('slow_tokens'), ms: z.number().min(0) }),
  /**
   * Accept the request and send nothing; with `closeAfterMs`, drop the connection after that long
   * without a byte of response (a host that holds the connection silent, then closes it).
   */
  z.object({ type: z.literal('silence'), closeAfterMs: z.number().min(0).optional() }),
  /** Close the connection before any response byte. */
  z.object({ type: z.literal('reset_before_headers') }),
  /**
   * Send headers and part of the body, then break the connection (HTTP/1.1: the TCP connection is
   * destroyed; HTTP/2: the stream is reset with INTERNAL_ERROR). A stream breaks after `afterChunks`
   * content events (default 2), before any finish event; a complete body breaks after half its bytes.
   */
  z.object({ type: z.literal('reset_mid_body'), afterChunks: z.int().min(0).optional() }),
  /**
   * Stream `afterChunks` content events (default 0), then go silent with the connection open: no
   * finish event, no terminator, no end. A complete body sends only its headers.
   */
  z.object({ type: z.literal('stall'), afterChunks: z.int().min(0).optional() }),
  /** Answer 200 with a body that is not JSON. */
  z.object({ type: z.literal('malformed_json') }),
  /** Send an SSE event whose data is not JSON after this many content events. */
  z.object({ type: z.literal('malformed_sse'), afterChunks: z.int().min(0).optional() }),
  /** The vendor's in-stream error event after this many content events (0 = before any content). */
  z.object({
    type: z.literal('stream_error'),
    afterChunks: z.int().min(0).optional(),
    errorType: z.string().optional(),
    message: z.string().optional(),
  }),
  /**
   * End the response cleanly after `afterChunks` content events (every one when absent), without the
   * finish event and terminator (`[DONE]`, `message_stop`…): the client sees the body end early.
   * Binary streams (Bedrock) also get the first half of the next frame, as a dropped proxy leaves
   * them. A complete body ends after half its bytes.
   */
  z.object({ type: z.literal('truncate_stream'), afterChunks: z.int().min(0).optional() }),
  /**
   * The host takes no prefill: a request that carries one (a trailing Anthropic `assistant` message,
   * DeepSeek's `prefix: true`, vLLM's `continue_final_message`) gets the vendor's 400
   * (`invalid_request_error`; Bedrock's `ValidationException`). Requests without one are answered
   * normally and do not use the rule up.
   */
  z.object({ type: z.literal('reject_prefill') }),
  /**
   * The vendor's content filter: `prompt` (the default) refuses the request as the vendor does (Azure's
   * 400 `content_filter`, Gemini's `promptFeedback.blockReason`); `completion` cuts the answer after
   * `afterChunks` content events (default 0) and finishes it as filtered (`content_filter`, Gemini
   * `SAFETY`, Anthropic `refusal`).
   */
  z.object({
    type: z.literal('content_filter'),
    stage: z.enum(['prompt', 'completion']).optional(),
    afterChunks: z.int().min(0).optional(),
  }),
  /**
   * Answer well-formed but wrong, for quality canaries: echoes reversed, other words, canary tasks
   * answered wrong (`solve-task.ts`), JSON and tool arguments whose values have the wrong types.
   */
  z.object({ type: z.literal('wrong_answer') }),
]);

/** One fault. */
export type SimFault = z.infer<typeof faultSchema>;

/** A fault and where and how often it applies. */
export const faultRuleSchema = z.object({
  /** Host name (the `<host>` in `/hosts/<host>/...`), or `*` for every host. */
  host: z.string().min(1),
  /** Only requests for this upstream model id; every model when absent. */
  model: z.string().min(1).optional(),
  fault: faultSchema,
  /** Apply to at most this many requests, then remove the rule. */
  times: z.int().min(1).optional(),
  /**
   * Share of matching requests that get the fault. Rules of one request are rolled together with a
   * single number, so `0.4` then `0.2` on one host means 40 % get the first and 20 % the second.
   */
  probability: z.number().min(0).max(1).optional(),
});

/** A fault rule as given. */
export type FaultRule = z.infer<typeof faultRuleSchema>;

interface ActiveRule extends FaultRule {
  id: number;
  remaining: number;
}

/** The faults in force, consulted once per upstream request. */
export class FaultBook {
  private rules: ActiveRule[] = [];
  private nextId = 1;

  /** Adds a rule; returns its id. */
  add(rule: FaultRule): number {
    const id = this.nextId;
    this.nextId += 1;
    this.rules.push({ ...rule, id, remaining: rule.times ?? Number.POSITIVE_INFINITY });
    return id;
  }

  /** Removes one rule by id, or every rule of a host (`*` for all). */
  remove(selector: { id: number } | { host: string }): void {
    this.rules =
      'id' in selector
        ? this.rules.filter((rule) => rule.id !== selector.id)
        : selector.host === '*'
          ? []
          : this.rules.filter((rule) => rule.host !== selector.host);
  }

  /** The rules in force, for the stats endpoint. */
  list(): FaultRule[] {
    return this.rules.map(({ id: _id, remaining: _remaining, ...rule }) => rule);
  }

  /**
   * The fault for one request, if any, consuming one use of a counted rule. Rules whose fault does
   * not `apply` to the request are skipped as if absent (a `reject_prefill` rule and a request
   * without a prefill).
   */
  pick(
    host: string,
    model: string,
    roll: number,
    applies: (fault: SimFault) => boolean = () => true,
  ): SimFault | undefined {
    let threshold = 0;
    for (const rule of this.rules) {
      if (rule.host !== '*' && rule.host !== host) continue;
      if (rule.model !== undefined && rule.model !== model) continue;
      if (!applies(rule.fault)) continue;
      threshold += rule.probability ?? 1;
      if (roll >= threshold) continue;
      rule.remaining -= 1;
      if (rule.remaining <= 0) this.rules = this.rules.filter((other) => other !== rule);
      return rule.fault;
    }
    return undefined;
  }
}
