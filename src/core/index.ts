export type * from './chat-request.js';
export type * from './chat-response.js';
export type { Clock } from './clock.js';
export { ManualClock, systemClock } from './clock.js';
export type * from './errors.js';
export { DetourError, invalidRequest, STATUS_BY_CLASS, toDetourError } from './errors.js';
export { newId, newRequestId } from './ids.js';
export type * from './stream-event.js';
export { assertNever, isContentEvent } from './stream-event.js';
