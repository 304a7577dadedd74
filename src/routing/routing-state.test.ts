import { describe, expect, it } from 'vitest';
import { tableOf } from '../../test/support/model-table.js';
import { ManualClock } from '../core/index.js';
import { MemoryHealthStore } from '../health/index.js';
import { RoutingState } from './routing-state.js';

describe('RoutingState', () => {
  it('keeps what it learned about deployments and models still configured, and forgets the rest', () => {
    const clock = new ManualClock(1_700_000_000_000);
    const state = new RoutingState({ health: new MemoryHealthStore({ clock }), clock });
    for (const id of ['a/x', 'a/y']) {
      for (let index = 0; index < 5; index++)
        state.health.record({ deploymentId: id, at: clock.now(), result: 'server_error', latencyMs: 5 });
    }
    for (const model of ['kept', 'gone']) {
      state.recordRequest(model, 'server_error', 5);
      state.budget(model).recordRequest(clock.now());
    }

    const change = state.adoptTable(
      tableOf({ kept: ['x', 'y'], gone: ['y'] }),
      tableOf({ kept: ['x', 'z'] }),
    );

    expect(change).toEqual({ deploymentsAdded: ['a/z'], deploymentsRemoved: ['a/y'] });
    expect(state.health.snapshot().map((health) => health.id)).toEqual(['a/x']);
    expect(state.health.status('a/x').state).toBe('open');
    expect(state.requestWindow('kept')?.read(60_000).total).toBe(1);
    expect(state.budget('kept').stats(clock.now()).requests).toBe(1);
    expect(state.requestWindow('gone')).toBeUndefined();
    expect(state.budget('gone').stats(clock.now()).requests).toBe(0);
  });
});
