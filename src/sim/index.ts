export type { SimAnswer } from './compose-answer.js';
export { composeAnswer } from './compose-answer.js';
export type { FaultRule, SimFault } from './fault.js';
export { faultRuleSchema, faultSchema } from './fault.js';
export { runSimulatorCli } from './run-simulator-cli.js';
export type { ScenarioStep } from './scenario.js';
export { loadScenario } from './scenario.js';
export type { SimHostStats, SimRequestRecord, SimStats, Simulator, SimulatorOptions } from './simulator.js';
export { startSimulator } from './simulator.js';
