import { describe, expect, it } from 'vitest';
import { canaryEvidenceOf } from './incident-evidence.js';
import { describeQualityIncident, measureQualityEvidence } from './quality-incident.js';
import type { QualityAlarm } from './quality-view.js';

const alarm = (deployment: string, attribution: QualityAlarm['attribution']): QualityAlarm => ({
  deployment,
  model: 'm',
  attribution,
  since: 1_000,
  baselineRate: 0.9,
  currentRate: 0.62,
  samples: 40,
  evidence: { llr: 3.1 },
});

const canaries = canaryEvidenceOf(undefined);

describe('measureQualityEvidence', () => {
  it('blames a vendor update before the model, and the model before one host', () => {
    const attributionOf = (...alarms: QualityAlarm[]) => measureQualityEvidence(alarms, canaries).attribution;
    expect(attributionOf(alarm('a', 'host'))).toBe('host_fault');
    expect(attributionOf(alarm('a', 'host'), alarm('b', 'model'))).toBe('model_regression');
    expect(attributionOf(alarm('a', 'model'), alarm('b', 'vendor_update'))).toBe('vendor_update');
  });

  it('keeps each alarm’s numbers and never counts as downtime', () => {
    expect(measureQualityEvidence([alarm('a', 'host')], canaries)).toEqual({
      kind: 'quality',
      attribution: 'host_fault',
      deployments: [
        {
          id: 'a',
          attribution: 'host',
          since: 1_000,
          baselineRate: 0.9,
          currentRate: 0.62,
          samples: 40,
          statistics: { llr: 3.1 },
        },
      ],
      canaries,
      countsAsDowntime: false,
    });
  });
});

describe('describeQualityIncident', () => {
  it('says which hosts, their rates against their usual, and the cause in words', () => {
    const texts = describeQualityIncident('m', measureQualityEvidence([alarm('a', 'host')], canaries));
    expect(texts.title).toBe('m: answers degraded on a');
    expect(texts.investigating).toBe(
      'Quality canaries found degraded answers. a: canary pass rate 62 % over 40 graded runs, against its usual 90 %. Requests still succeed; this is not counted as downtime.',
    );
    expect(texts.identified).toBe(
      'Cause: only a dropped while the other hosts of m kept their pass rate: a fault of that host, not of the model. a: canary pass rate 62 % over 40 graded runs, against its usual 90 %.',
    );
    expect(texts.monitoring).toBe(
      'Canary pass rate on a is back to its usual level. Watching before resolving.',
    );
    expect(texts.resolved(600_000)).toBe('Canary answers have been normal for 10 minutes.');
    const model = describeQualityIncident(
      'm',
      measureQualityEvidence([alarm('a', 'model'), alarm('b', 'model')], canaries),
    );
    expect(model.title).toBe('m: answers degraded on a, b');
    expect(model.identified).toMatch(
      /^Cause: every host of m dropped together: the model itself, not one host\. a: .*; b: /,
    );
    const vendor = describeQualityIncident(
      'm',
      measureQualityEvidence([alarm('a', 'vendor_update')], canaries),
    );
    expect(vendor.identified).toMatch(
      /^Cause: the drop came with a new model version string from the vendor: a vendor update of m\./,
    );
  });
});
