import { describe, expect, it } from 'vitest';
import { deploymentHealth, windowStats } from '../../test/support/health-stats.js';
import type { DeploymentStatus } from '../health/index.js';
import {
  DEFAULT_STATUS_THRESHOLDS,
  deploymentStatusOf,
  modelStatusOf,
  statusFromRate,
  visibleErrorsOf,
  worseOf,
} from './component-status.js';

const thresholds = DEFAULT_STATUS_THRESHOLDS;

const stats = windowStats;

describe('statusFromRate', () => {
  it('says nothing below minCalls calls, however many failed', () => {
    expect(statusFromRate(4, 4, thresholds)).toBe('operational');
    expect(statusFromRate(5, 5, thresholds)).toBe('major_outage');
    expect(statusFromRate(0, 0, { ...thresholds, minCalls: 0 })).toBe('operational');
  });

  it('takes each threshold as the lower bound of its status', () => {
    expect(statusFromRate(50, 100, thresholds)).toBe('major_outage');
    expect(statusFromRate(49, 100, thresholds)).toBe('partial_outage');
    expect(statusFromRate(5, 100, thresholds)).toBe('partial_outage');
    expect(statusFromRate(4, 100, thresholds)).toBe('degraded_performance');
    expect(statusFromRate(1, 100, thresholds)).toBe('degraded_performance');
    expect(statusFromRate(0, 100, thresholds)).toBe('operational');
  });
});

describe('worseOf', () => {
  it('keeps the more severe status, and the first of two equals', () => {
    expect(worseOf('operational', 'partial_outage')).toBe('partial_outage');
    expect(worseOf('major_outage', 'degraded_performance')).toBe('major_outage');
    expect(worseOf('degraded_performance', 'degraded_performance')).toBe('degraded_performance');
  });
});

describe('modelStatusOf', () => {
  it('counts what users saw fail, leaving out their own mistakes from both sides of the rate', () => {
    expect(modelStatusOf(undefined, thresholds)).toBe('operational');
    // 1 timeout in 10 calls of the model's own: 10 % → partial, the 90 client errors aside.
    expect(
      modelStatusOf(stats({ success: 9, timeout: 1, client_error: 80, content_policy: 10 }), thresholds),
    ).toBe('partial_outage');
  });
});

describe('deploymentStatusOf', () => {
  const health = (status: Partial<DeploymentStatus>, minute: ReturnType<typeof windowStats>) =>
    deploymentHealth('a/m', minute, status);
  const clean = { ...stats({ success: 10 }) };
  const failing = { ...stats({ success: 9, server_error: 1 }), failures: 1 };

  it('is a major outage while ejected, whatever the counts say', () => {
    expect(deploymentStatusOf(health({ state: 'open' }, clean), thresholds)).toBe('major_outage');
    expect(deploymentStatusOf(health({ state: 'half_open' }, clean), thresholds)).toBe('major_outage');
  });

  it('reads the minute’s host failures, and slow is at least degraded', () => {
    expect(deploymentStatusOf(health({}, clean), thresholds)).toBe('operational');
    expect(deploymentStatusOf(health({}, failing), thresholds)).toBe('partial_outage');
    expect(deploymentStatusOf(health({ degraded: true }, clean), thresholds)).toBe('degraded_performance');
    expect(deploymentStatusOf(health({ degraded: true }, failing), thresholds)).toBe('partial_outage');
  });
});

describe('visibleErrorsOf', () => {
  it('counts everything but successes and the client’s own mistakes', () => {
    expect(visibleErrorsOf(stats({ success: 5, timeout: 2, client_error: 3, content_policy: 4 }))).toBe(2);
  });
});
