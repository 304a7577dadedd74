import type { CanaryEvidence, IncidentTexts } from './incident-evidence.js';
import type { QualityAlarm } from './quality-view.js';

/** What a `quality` incident says, in numbers: the alarms and the canaries around them. */
export interface QualityEvidence {
  kind: 'quality';
  /** One host's answers degraded, the model's on every host, or a vendor's new version. */
  attribution: 'host_fault' | 'model_regression' | 'vendor_update';
  /** Hosts whose answers degraded. */
  deployments: Array<{
    id: string;
    attribution: QualityAlarm['attribution'];
    since: number;
    baselineRate: number;
    currentRate: number;
    samples: number;
    statistics: Record<string, unknown>;
  }>;
  canaries: CanaryEvidence;
  /** Quality incidents are shown on the status page but never counted as downtime (DESIGN.md §7). */
  countsAsDowntime: false;
}

/** The evidence of a quality incident from its alarms. */
export function measureQualityEvidence(
  alarms: readonly QualityAlarm[],
  canaries: CanaryEvidence,
): QualityEvidence {
  const kinds = new Set(alarms.map((alarm) => alarm.attribution));
  return {
    kind: 'quality',
    attribution: kinds.has('vendor_update')
      ? 'vendor_update'
      : kinds.has('model')
        ? 'model_regression'
        : 'host_fault',
    deployments: alarms.map((alarm) => ({
      id: alarm.deployment,
      attribution: alarm.attribution,
      since: alarm.since,
      baselineRate: alarm.baselineRate,
      currentRate: alarm.currentRate,
      samples: alarm.samples,
      statistics: alarm.evidence,
    })),
    canaries,
    countsAsDowntime: false,
  };
}

/** The plain-language title and timeline texts of a quality incident. */
export function describeQualityIncident(model: string, evidence: QualityEvidence): IncidentTexts {
  const hosts = evidence.deployments.map((deployment) => deployment.id).join(', ');
  const rates = evidence.deployments
    .map(
      (deployment) =>
        `${deployment.id}: canary pass rate ${percent(deployment.currentRate)} over ${deployment.samples} graded runs, against its usual ${percent(deployment.baselineRate)}`,
    )
    .join('; ');
  const cause =
    evidence.attribution === 'vendor_update'
      ? `the drop came with a new model version string from the vendor: a vendor update of ${model}`
      : evidence.attribution === 'model_regression'
        ? `every host of ${model} dropped together: the model itself, not one host`
        : `only ${hosts} dropped while the other hosts of ${model} kept their pass rate: a fault of that host, not of the model`;
  return {
    title: `${model}: answers degraded on ${hosts}`,
    investigating: `Quality canaries found degraded answers. ${rates}. Requests still succeed; this is not counted as downtime.`,
    identified: `Cause: ${cause}. ${rates}.`,
    monitoring: `Canary pass rate on ${hosts} is back to its usual level. Watching before resolving.`,
    resolved: (quietMs: number) =>
      `Canary answers have been normal for ${Math.round(quietMs / 60_000)} minutes.`,
  };
}

function percent(rate: number): string {
  return `${Math.round(rate * 100)} %`;
}
