export { type AttemptFacts, buildRequestLogRow, type RequestFacts } from './build-request-log-row.js';
export { keyFingerprint } from './key-fingerprint.js';
export { BODY_LIMIT, capBody, redactJson, redactText } from './redact-secrets.js';
export { type DropReason, RequestLogWriter, type RequestLogWriterOptions } from './request-log-writer.js';
export { RetentionSweeper, type RetentionSweeperOptions } from './retention-sweeper.js';
