/** Every lab scenario, in the order of scenarios.md. */
import type { Scenario } from './scenario';
import { S1 } from './s1';
import { S1_MANY } from './s1-many';
import { S2, S3 } from './s2';

export const SCENARIOS: readonly Scenario[] = [S1, S1_MANY, S2, S3];

export function findScenario(name: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.name.toLowerCase() === name.toLowerCase());
}
