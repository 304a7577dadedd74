export type { SimAnswer } from './compose-answer.js';
export { composeAnswer } from './compose-answer.js';
export type { FaultRule, SimFault } from './fault.js';
export { faultRuleSchema, faultSchema } from './fault.js';
export type { GeneratedServiceAccount, GoogleServiceAccount } from './google-service-account.js';
export { generateServiceAccount } from './google-service-account.js';
export { runSimulatorCli } from './run-simulator-cli.js';
export type { ScenarioStep } from './scenario.js';
export { loadScenario } from './scenario.js';
export { seededRandom } from './seeded-random.js';
export type { AwsCredentials, SimCredentials } from './sim-credentials.js';
export { SIM_AWS_CREDENTIALS, SIM_BEDROCK_API_KEY } from './sim-credentials.js';
export type {
  SimHostStats,
  SimRequestRecord,
  SimServiceAccount,
  SimStats,
  Simulator,
  SimulatorOptions,
} from './simulator.js';
export { startSimulator } from './simulator.js';
