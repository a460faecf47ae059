/** Simulation's construction rules. */
import { describe, expect, it } from 'vitest';
import { Simulation } from '../../../experiments/simulation.ts';
import { ArrayWorkload, testConfig } from '../../helpers/fixtures.ts';

describe('Simulation', () => {
  it('refuses to run a Kafka config in memory (only Simulation.create connects to Kafka)', () => {
    const w = new ArrayWorkload([[0.5, 0.5]]);
    expect(() => new Simulation(testConfig({ transport: 'kafka' }), w)).toThrow(
      'a kafka run was built without Simulation.create',
    );
    expect(() => new Simulation(testConfig(), w)).not.toThrow();
  });
});
