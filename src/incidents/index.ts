export {
  DEFAULT_STATUS_THRESHOLDS,
  deploymentStatusOf,
  modelStatusOf,
  type StatusThresholds,
  severityOf,
  statusFromRate,
  visibleErrorsOf,
  worseOf,
} from './component-status.js';
export {
  bucketWidthFor,
  CLASSES_OF,
  DEFAULT_EXPLAIN_THRESHOLDS,
  DOMINANCE_RULE,
  explainModel,
} from './explain-model.js';
export type {
  CanaryCounts,
  CanarySlice,
  ExplainFinding,
  ExplainInput,
  ExplainThresholds,
  ExplainVerdict,
  FirstTokenBaseline,
  FirstTokenStats,
  HostBucket,
  HostCanaries,
  HostCanarySlice,
  HostLive,
  HostTimeline,
  ModelExplanation,
  UserOutcome,
} from './explain-types.js';
export {
  CANARY_EVIDENCE_WINDOW_MS,
  DEFAULT_DETECTOR_OPTIONS,
  DETECTOR_LEASE,
  type DeploymentComponent,
  type DetectorInputs,
  type DetectorOptions,
  IncidentDetector,
  type ModelComponent,
  RATE_LIMIT_ALERT,
  USER_ERROR_LOOKBACK,
} from './incident-detector.js';
export {
  type CanaryEvidence,
  type CanaryInput,
  canaryEvidenceOf,
  type DeploymentEvidence,
  describeIncident,
  type EvidenceInput,
  type IncidentEvidence,
  type IncidentTexts,
  measureEvidence,
} from './incident-evidence.js';
export {
  INCIDENT_LIFECYCLE,
  type IncidentPhase,
  type LifecycleEvent,
  type LifecycleObservation,
  type LifecycleTable,
  type LifecycleThresholds,
  type LifecycleTransition,
  type LifecycleWrite,
  lifecycleEventOf,
  transitionOf,
} from './incident-lifecycle.js';
export {
  describeQualityIncident,
  measureQualityEvidence,
  type QualityEvidence,
} from './quality-incident.js';
export type { CanaryReading, QualityAlarm, QualityView } from './quality-view.js';
export type { StatusEvent } from './status-event.js';
export { type HysteresisOptions, StatusHysteresis } from './status-hysteresis.js';
export {
  signWebhook,
  summariseEvent,
  WebhookNotifier,
  type WebhookSenderOptions,
  type WebhookTarget,
} from './webhook-notifier.js';
