export type { AttemptTimeouts } from './attempt-watchdog.js';
export { classifyHttpFailure } from './classify-failure.js';
export { ContinuationSeam, type SeamMode } from './continuation-seam.js';
export {
  CLOUD_PLATFORM_SCOPE,
  createServiceAccountClient,
  fetchHonouringTokenUri,
  GOOGLE_TOKEN_URL,
  type ServiceAccountKey,
} from './google/index.js';
export type {
  ClientHeaders,
  OutgoingBody,
  PreparedCall,
  Provider,
  ProviderKindName,
} from './provider-kind.js';
export { readRetryAfterMs, readShouldRetry, readUpstreamRequestId } from './read-retry-after.js';
export { createProvider, type ProviderEnvironment, type ProviderSettings } from './registry.js';
export {
  type AttemptInput,
  type AttemptTarget,
  addUsage,
  type ContinuationRequest,
  type ContinuationStyle,
  type NonStreamResult,
  openStream,
  type StreamChunk,
  sendNonStream,
} from './send-attempt.js';
export { classifyTransportError, type TransportOptions, UpstreamTransport } from './upstream-transport.js';
