import { describe, expect, it } from 'vitest';
import type { Incident, RequestLogRow } from '../store/index.js';
import { bucketWidthFor, explainModel } from './explain-model.js';
import type { ExplainInput } from './explain-types.js';

const FROM = 1_000_000;
const MINUTE = 60_000;

/** A request-log row of model `m`; attempts as `deployment:outcome:latency`. */
function row(minute: number, attempts: string[], options: { ttft?: number } = {}): RequestLogRow {
  const parsed = attempts.map((text) => {
    const [deployment = '', outcome = '', latency = '0'] = text.split(':');
    return { deployment, outcome, latencyMs: Number(latency) };
  });
  const last = parsed.at(-1);
  const ok = last?.outcome === 'success';
  return {
    id: `r${Math.random()}`,
    time: FROM + minute * MINUTE,
    key: null,
    surface: 'openai-chat',
    stream: options.ttft !== undefined,
    requestedModel: 'm',
    answeringModel: ok ? 'm' : null,
    deployment: ok ? (last?.deployment ?? null) : null,
    attempts: parsed,
    status: ok ? 200 : 502,
    outcome: ok ? 'success' : (last?.outcome ?? 'server_error'),
    finishReason: ok ? 'stop' : null,
    tokens: { input: 1, output: 1, cached: null, reasoning: null },
    costUsd: null,
    latencyMs: 0,
    timeToFirstTokenMs: options.ttft ?? null,
    routeReason: null,
    requestBody: null,
    responseBody: null,
  };
}

function input(rows: RequestLogRow[], extra: Partial<ExplainInput> = {}): ExplainInput {
  return {
    model: 'm',
    deployments: ['a', 'b'],
    from: FROM,
    to: FROM + 60 * MINUTE,
    since: '1h',
    bucketMs: MINUTE,
    rows,
    baselineRows: [],
    live: new Map(),
    incidents: [],
    truncated: false,
    ...extra,
  };
}

const times = (count: number, make: (index: number) => RequestLogRow) =>
  Array.from({ length: count }, (_, i) => make(i));

/** One host's canary counts in a slice. */
const tally = (deployment: string, graded: number, passed: number) => ({
  deployment,
  graded,
  passed,
  unanswered: 0,
});

describe('explainModel', () => {
  it('lets the finding with the most failed attempts win, ties going to configuration', () => {
    const rows = [
      ...times(10, () => row(1, ['a:server_error:5', 'b:success:5'])),
      ...times(4, () => row(2, ['a:overloaded:5', 'b:success:5'])),
    ];
    const result = explainModel(input(rows));
    expect(result.findings.map((finding) => finding.kind).sort()).toEqual(['capacity', 'infrastructure']);
    expect(result.verdict).toBe('infrastructure');

    const tie = explainModel(
      input([
        ...times(3, () => row(1, ['a:server_error:5', 'b:success:5'])),
        ...times(3, () => row(1, ['b:auth:5', 'a:success:5'])),
      ]),
    );
    expect(tie.verdict).toBe('configuration');
  });

  it('ignores a few stray errors: under 3 attempts, or under 5 % of the host’s attempts', () => {
    const two = [
      ...times(2, () => row(1, ['a:server_error:5', 'b:success:5'])),
      ...times(8, () => row(2, ['a:success:5'])),
    ];
    expect(explainModel(input(two)).verdict).toBe('nothing');
    const three = [
      ...times(3, () => row(1, ['a:server_error:5', 'b:success:5'])),
      ...times(7, () => row(2, ['a:success:5'])),
    ];
    expect(explainModel(input(three)).verdict).toBe('infrastructure');
    const diluted = [
      ...times(3, () => row(1, ['a:timeout:5', 'b:success:5'])),
      ...times(60, () => row(2, ['a:success:5'])),
    ];
    expect(explainModel(input(diluted)).verdict).toBe('nothing');
    // Client errors are the client's: never a finding.
    expect(explainModel(input(times(9, () => row(1, ['a:client_error:5'])))).verdict).toBe('nothing');
  });

  it('counts failed attempts that reached users only when the request failed', () => {
    const rows = [
      ...times(4, () => row(1, ['a:server_error:5', 'b:success:5'])),
      ...times(2, () => row(3, ['a:server_error:5', 'b:server_error:5'])),
    ];
    const result = explainModel(input(rows));
    const a = result.hosts.find((host) => host.deployment === 'a');
    expect(a?.reachedUsers).toBe(2);
    expect(a?.buckets[3]?.reachedUsers).toBe(2);
    expect(a?.buckets[1]).toMatchObject({ attempts: 4, errors: { server_error: 4 }, reachedUsers: 0 });
    expect(result.users).toMatchObject({ requests: 6, errors: 2 });
  });

  it('takes a stream’s first token less the failed attempts before it as the answering host’s', () => {
    const result = explainModel(input([row(0, ['a:overloaded:300', 'b:success:900'], { ttft: 400 })]));
    expect(result.hosts.find((host) => host.deployment === 'b')?.ttft).toMatchObject({
      p50Ms: 100,
      samples: 1,
    });
  });

  it('gives the nearest-rank p50 and p95 of a host’s first tokens', () => {
    // Twenty streams answered by b with first tokens 10, 20, … 200 ms, in a shuffled order.
    const ttfts = Array.from({ length: 20 }, (_, index) => (((index * 7) % 20) + 1) * 10);
    const result = explainModel(
      input(ttfts.map((ttft, index) => row(index % 60, ['b:success:900'], { ttft }))),
    );
    expect(result.hosts.find((host) => host.deployment === 'b')?.ttft).toEqual({
      p50Ms: 100,
      p95Ms: 190,
      samples: 20,
    });
  });

  it('takes a hedged answer’s time from the winning attempt, not from the loser logged after it', () => {
    const hedged = {
      ...row(0, ['b:success:900', 'a:abandoned:100']),
      deployment: 'b',
      outcome: 'success',
      status: 200,
    };
    const result = explainModel(input([hedged]));
    const hosts = new Map(result.hosts.map((host) => [host.deployment, host]));
    expect(result.hosts.map((host) => host.deployment)).toEqual(['a', 'b']);
    expect(hosts.get('b')?.ttft).toMatchObject({ p50Ms: 900, samples: 1 });
    expect(hosts.get('a')?.ttft).toMatchObject({ samples: 0 });
  });

  it('counts only rows inside [from, to), each in its bucket, and never an abandoned request as an error', () => {
    const rows = [
      { ...row(0, ['a:server_error:5']), time: FROM - 1 },
      { ...row(0, ['a:server_error:5']), time: FROM + 60 * MINUTE },
      { ...row(0, ['a:success:5']), time: FROM + 60 * MINUTE - 1 },
      { ...row(2, ['a:abandoned:5']), outcome: 'abandoned' },
    ];
    const result = explainModel(input(rows));
    expect(result.users).toMatchObject({ requests: 2, errors: 0 });
    const a = result.hosts.find((host) => host.deployment === 'a');
    expect(a?.buckets[59]).toMatchObject({ start: FROM + 59 * MINUTE, attempts: 1 });
    expect(a?.buckets[2]).toMatchObject({ start: FROM + 2 * MINUTE, attempts: 1 });
    expect(a?.attempts).toBe(2);
  });

  it('lists a host that answered but is no longer configured after the configured ones', () => {
    const result = explainModel(input([row(0, ['c:success:50'])]));
    expect(result.hosts.map((host) => [host.deployment, host.configured])).toEqual([
      ['a', true],
      ['b', true],
      ['c', false],
    ]);
  });

  it('judges latency against the live p95 when the log has no earlier rows, sustained in a quarter of the buckets', () => {
    const live = new Map([['a', { state: 'closed', degraded: true, baselineTtftMs: 100 }]]);
    const slow = times(4, (i) => row(i, ['a:success:250']));
    expect(explainModel(input(slow, { live })).verdict).toBe('latency');
    // One slow minute out of eight with traffic is a blip, not a latency problem.
    const blip = [
      ...times(3, () => row(0, ['a:success:250'])),
      ...times(7, (i) => row(i + 1, ['a:success:90'])),
    ];
    expect(explainModel(input(blip, { live })).verdict).toBe('nothing');
  });

  it('compares canaries with the best of the siblings that have enough runs', () => {
    const clean = times(10, () => row(1, ['a:success:5']));
    const window = { from: FROM, to: FROM + 60 * MINUTE };
    const explain = (tallies: ReturnType<typeof tally>[]) =>
      explainModel(
        input(clean, {
          deployments: ['a', 'b', 'c', 'd'],
          canaries: { slices: [{ ...window, tallies }], before: [] },
        }),
      ).findings[0]?.sentence;
    // b first at 80 %, c later at 95 %, d at 100 % on too few runs to count.
    expect(explain([tally('a', 20, 12), tally('b', 20, 16), tally('c', 20, 19), tally('d', 9, 9)])).toContain(
      "fell to 60 % (12 of 20) from 95 % (c's over the same window)",
    );
    // A sibling no better than the one already found does not replace it.
    expect(explain([tally('a', 20, 12), tally('b', 20, 19), tally('c', 20, 19)])).toContain(
      "from 95 % (b's over the same window)",
    );
  });

  it('compares canaries with a sibling when the host has no earlier runs, and not on a host that is failing', () => {
    const clean = times(10, () => row(1, ['a:success:5']));
    // Two half-hour slices: the window's counts are their sums.
    const half = 30 * MINUTE;
    const canaries = {
      slices: [
        { from: FROM, to: FROM + half, tallies: [tally('a', 10, 10), tally('b', 10, 10)] },
        { from: FROM + half, to: FROM + 2 * half, tallies: [tally('a', 10, 4), tally('b', 10, 9)] },
      ],
      before: [],
    };
    const result = explainModel(input(clean, { canaries }));
    expect(result.verdict).toBe('quality');
    expect(result.findings[0]?.sentence).toContain(
      "fell to 70 % (14 of 20) from 95 % (b's over the same window)",
    );
    expect(result.hosts[0]?.canaries?.slices.map((entry) => entry.passRate)).toEqual([1, 0.4]);
    const failing = [...clean, ...times(5, () => row(2, ['a:server_error:5', 'b:success:5']))];
    expect(explainModel(input(failing, { canaries })).findings.map((finding) => finding.kind)).toEqual([
      'infrastructure',
    ]);
    // Fewer than ten graded runs decide nothing.
    expect(
      explainModel(
        input(clean, {
          canaries: {
            slices: [{ from: FROM, to: FROM + 2 * half, tallies: [tally('a', 9, 0), tally('b', 20, 20)] }],
            before: [],
          },
        }),
      ).verdict,
    ).toBe('nothing');
  });

  it('gives the users’ error rate over the window', () => {
    const rows = [
      row(0, ['a:success:5']),
      row(1, ['a:success:5']),
      row(2, ['a:success:5']),
      row(3, ['a:timeout:5']),
    ];
    expect(explainModel(input(rows)).users).toEqual({ requests: 4, errors: 1, errorRate: 0.25 });
    expect(explainModel(input([])).users).toEqual({ requests: 0, errors: 0, errorRate: 0 });
  });

  it('takes a host’s usual first token from the log before the window once it has minSlowSamples', () => {
    const before = (count: number) =>
      Array.from({ length: count }, (_, index) => row(-10 - index, ['b:success:200']));
    const baselineOf = (count: number) =>
      explainModel(input([row(0, ['b:success:200'])], { baselineRows: before(count) })).hosts.find(
        (host) => host.deployment === 'b',
      )?.baseline;
    expect(baselineOf(2)).toBeNull();
    expect(baselineOf(3)).toEqual({ p50Ms: 200, p95Ms: 200, samples: 3, source: 'log' });
  });

  it('tallies each host’s canaries over the window, per slice and before it', () => {
    const counts = (deployment: string, graded: number, passed: number, unanswered = 0) => ({
      deployment,
      graded,
      passed,
      unanswered,
    });
    const result = explainModel(
      input([], {
        canaries: {
          slices: [
            { from: FROM, to: FROM + 30 * MINUTE, tallies: [counts('a', 4, 4), counts('b', 2, 1)] },
            { from: FROM + 30 * MINUTE, to: FROM + 60 * MINUTE, tallies: [counts('a', 4, 1, 2)] },
          ],
          before: [counts('a', 10, 9)],
        },
      }),
    );
    expect(result.canariesMeasured).toBe(true);
    const a = result.hosts.find((host) => host.deployment === 'a')?.canaries;
    expect(a).toMatchObject({
      graded: 8,
      passed: 5,
      unanswered: 2,
      passRate: 5 / 8,
      baselinePassRate: 0.9,
      baselineGraded: 10,
    });
    expect(a?.slices.map((slice) => [slice.graded, slice.passed, slice.passRate])).toEqual([
      [4, 4, 1],
      [4, 1, 0.25],
    ]);
    expect(result.hosts.find((host) => host.deployment === 'b')?.canaries).toMatchObject({
      graded: 2,
      passRate: 0.5,
      baselinePassRate: null,
    });
    expect(explainModel(input([])).canariesMeasured).toBe(false);
    // A host without a single run says nothing, rather than a pass rate of nothing.
    const none = explainModel(input([], { canaries: { slices: [], before: [] } }));
    expect(none.hosts.map((host) => host.canaries)).toEqual([null, null]);
  });

  it('finds a quality drop of exactly ten points (90 % → 80 %), not lost to floating point', () => {
    const counts = (graded: number, passed: number) => ({ deployment: 'a', graded, passed, unanswered: 0 });
    const verdictFor = (passedNow: number) =>
      explainModel(
        input([], {
          canaries: {
            slices: [{ from: FROM, to: FROM + 60 * MINUTE, tallies: [counts(10, passedNow)] }],
            before: [counts(10, 9)],
          },
        }),
      ).findings.map((finding) => [finding.kind, finding.deployment]);
    expect(verdictFor(8)).toEqual([['quality', 'a']]);
    expect(verdictFor(9)).toEqual([]);
  });

  it('weighs a host’s canaries only from minCanaryGraded runs, now and before', () => {
    const counts = (deployment: string, graded: number, passed: number) => ({
      deployment,
      graded,
      passed,
      unanswered: 0,
    });
    const kinds = (now: number, before: number) =>
      explainModel(
        input([], {
          canaries: {
            slices: [{ from: FROM, to: FROM + 60 * MINUTE, tallies: [counts('a', now, 0)] }],
            before: [counts('a', before, before)],
          },
        }),
      ).findings.map((finding) => finding.kind);
    expect(kinds(10, 10)).toEqual(['quality']);
    expect(kinds(9, 10)).toEqual([]);
    // Too few runs before, and no sibling with runs to compare with.
    expect(kinds(10, 9)).toEqual([]);
  });

  it('lists the model’s incidents that overlap the window', () => {
    const incident = (id: string, startedAt: number, resolvedAt?: number, components = ['m']): Incident => ({
      id,
      kind: 'outage',
      status: resolvedAt === undefined ? 'investigating' : 'resolved',
      impact: 'minor',
      title: id,
      components,
      deployments: ['a'],
      startedAt,
      updatedAt: startedAt,
      ...(resolvedAt === undefined ? {} : { resolvedAt }),
      evidence: {},
      manual: false,
      updates: [],
    });
    const result = explainModel(
      input([], {
        incidents: [
          incident('open', FROM + MINUTE),
          incident('before', FROM - 10 * MINUTE, FROM - MINUTE),
          incident('other-model', FROM + MINUTE, undefined, ['x']),
          incident('spans', FROM - MINUTE, FROM + MINUTE),
          incident('ended-at-from', FROM - MINUTE, FROM),
          incident('starts-at-to', FROM + 60 * MINUTE),
        ],
      }),
    );
    expect(result.incidents.map((entry) => entry.id)).toEqual(['open', 'spans', 'ended-at-from']);
  });
});

describe('bucketWidthFor', () => {
  it('uses 1 min up to 2 h, then 5 min, 15 min and 1 h', () => {
    expect(bucketWidthFor(2 * 60 * MINUTE)).toBe(MINUTE);
    expect(bucketWidthFor(2 * 60 * MINUTE + 1)).toBe(5 * MINUTE);
    expect(bucketWidthFor(3 * 60 * MINUTE)).toBe(5 * MINUTE);
    expect(bucketWidthFor(6 * 60 * MINUTE)).toBe(5 * MINUTE);
    expect(bucketWidthFor(6 * 60 * MINUTE + 1)).toBe(15 * MINUTE);
    expect(bucketWidthFor(24 * 60 * MINUTE)).toBe(15 * MINUTE);
    expect(bucketWidthFor(25 * 60 * MINUTE)).toBe(60 * MINUTE);
  });
});
