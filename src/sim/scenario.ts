import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { z } from 'zod';
import { parseDuration } from '../core/index.js';
import { faultRuleSchema } from './fault.js';
import type { Simulator } from './simulator.js';

const duration = z.union([z.string(), z.number()]).transform((value, context) => {
  const ms = parseDuration(value);
  if (ms === undefined) {
    context.addIssue({
      code: 'custom',
      message: `not a duration: ${JSON.stringify(value)} (use e.g. 500ms, 30s, 2m)`,
    });
    return z.NEVER;
  }
  return ms;
});

const stepSchema = z.union([
  faultRuleSchema.extend({
    /** When the fault starts, from the start of the scenario. */
    at: duration,
    /** How long it lasts; until the end of the run when absent. */
    for: duration.optional(),
  }),
  z.object({
    at: duration,
    /** Clears every fault of this host (`*` = all hosts). */
    clear: z.string().min(1),
  }),
]);

/** A scenario file: faults on a timeline. */
export const scenarioSchema = z.object({ timeline: z.array(stepSchema).min(1) });

/** One step of a timeline, times in milliseconds. */
export type ScenarioStep = z.infer<typeof stepSchema>;

/**
 * Reads a scenario file (YAML or JSON):
 * ```yaml
 * timeline:
 *   - { at: 5s, for: 30s, host: vendor, model: claude-x, fault: { type: status, status: 529 }, probability: 0.4 }
 *   - { at: 5s, for: 30s, host: vendor, fault: { type: status, status: 500 }, probability: 0.2 }
 *   - { at: 60s, clear: '*' }
 * ```
 * Errors name the file and the step.
 */
export async function loadScenario(path: string): Promise<ScenarioStep[]> {
  const parsed = scenarioSchema.safeParse(parse(await readFile(path, 'utf8')));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.map(String).join('.') ?? '';
    throw new Error(`${path}: ${where === '' ? '' : `${where}: `}${issue?.message ?? 'invalid scenario'}`);
  }
  return parsed.data.timeline;
}

/** Schedules a timeline on a simulator; returns the timers so the caller can cancel them. */
export function scheduleScenario(steps: ScenarioStep[], simulator: Simulator): NodeJS.Timeout[] {
  const timers: NodeJS.Timeout[] = [];
  for (const step of steps) {
    if ('clear' in step) {
      timers.push(setTimeout(() => simulator.clearFaults(step.clear), step.at));
      continue;
    }
    const { at, for: lasts, ...rule } = step;
    timers.push(
      setTimeout(() => {
        const id = simulator.setFault(rule);
        if (lasts !== undefined) timers.push(setTimeout(() => simulator.removeFault(id), lasts));
      }, at),
    );
  }
  return timers;
}
