export { RequestTrace } from './request-trace.js';
export { createOtlpTracer, type RequestStart, RequestTracer, tracesUrl } from './request-tracer.js';
