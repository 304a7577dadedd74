import {
  type Context,
  defaultTextMapSetter,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapPropagator,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import type { AttemptRecord, Deployment } from '../../routing/index.js';
import type { RequestFacts } from '../../usage/index.js';
import {
  attemptEndAttributes,
  attemptStartAttributes,
  isFailure,
  requestEndAttributes,
} from './span-attributes.js';

interface OpenAttempt {
  span: Span;
  deployment: Deployment;
}

/**
 * One client request's span (kind SERVER) and a child span (kind CLIENT) per upstream attempt.
 * The attempt hooks are arrow properties so they can be handed to the attempt loop as they are.
 */
export class RequestTrace {
  /** Attempts by their record: the loop hands the same record to the start and the settle hook. */
  private readonly attempts = new Map<AttemptRecord, OpenAttempt>();
  private started = 0;
  private readonly context: Context;

  constructor(
    private readonly tracer: Tracer,
    private readonly propagator: TextMapPropagator,
    private readonly span: Span,
    parent: Context,
  ) {
    this.context = trace.setSpan(parent, span);
  }

  /** Opens an attempt's span; returns the `traceparent` (and `tracestate`) that names it, for the host. */
  readonly attemptStarted = (deployment: Deployment, record: AttemptRecord): Record<string, string> => {
    this.started += 1;
    const span = this.tracer.startSpan(
      `chat ${deployment.upstreamModel}`,
      { kind: SpanKind.CLIENT, attributes: attemptStartAttributes(deployment, this.started) },
      this.context,
    );
    this.attempts.set(record, { span, deployment });
    const headers: Record<string, string> = {};
    this.propagator.inject(trace.setSpan(this.context, span), headers, defaultTextMapSetter);
    return headers;
  };

  /** Closes an attempt's span with its outcome (for a stream that answered, when the stream ended). */
  readonly attemptSettled = (deployment: Deployment, record: AttemptRecord): void => {
    const open = this.attempts.get(record);
    if (open === undefined) return;
    open.span.setAttributes(attemptEndAttributes(deployment, record));
    // An abandoned attempt (a hedge that lost, a client that left) is no failure of the host.
    if (record.outcome !== 'success' && record.abandoned !== true) {
      open.span.setStatus({ code: SpanStatusCode.ERROR, message: record.error?.message ?? record.outcome });
    }
    open.span.end();
  };

  /**
   * Closes the request's span. An attempt still open keeps its span until it settles: a hedge that
   * lost is aborted and settled only after the winner has answered, and its outcome belongs on it.
   */
  end(facts: RequestFacts): void {
    let answered: Deployment | undefined;
    for (const open of this.attempts.values()) {
      if (open.deployment.deploymentId === facts.served?.deploymentId) answered = open.deployment;
    }
    this.span.setAttributes(requestEndAttributes(facts, answered));
    if (isFailure(facts.outcome)) this.span.setStatus({ code: SpanStatusCode.ERROR, message: facts.outcome });
    this.span.end();
  }
}
