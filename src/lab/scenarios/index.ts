/** Every lab scenario, in the order of scenarios.md. */
import type { Scenario } from './scenario';
import { S1 } from './s1';
import { S1_MANY } from './s1-many';

export const SCENARIOS: readonly Scenario[] = [S1, S1_MANY];

export function findScenario(name: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.name.toLowerCase() === name.toLowerCase());
}
