import type { RequestLogRow } from '../../src/store/index.js';

/** A successful request-log row of model `m` on `a/up-m`, with `changes` on top. */
export function requestLogRow(id: string, time: number, changes: Partial<RequestLogRow> = {}): RequestLogRow {
  return {
    id,
    time,
    key: null,
    surface: 'openai-chat',
    stream: false,
    requestedModel: 'm',
    answeringModel: 'm',
    deployment: 'a/up-m',
    attempts: [{ deployment: 'a/up-m', outcome: 'success', latencyMs: 10 }],
    status: 200,
    outcome: 'success',
    finishReason: 'stop',
    tokens: { input: 10, output: 5, cached: null, reasoning: null },
    costUsd: 0.001,
    latencyMs: 10,
    timeToFirstTokenMs: null,
    routeReason: null,
    requestBody: null,
    responseBody: null,
    ...changes,
  };
}
