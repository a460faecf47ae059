/** The frontier chart's points are the comparison's medians and quartiles, per policy. */
import { describe, expect, it } from 'vitest';
import { frontierPoints, frontierSpec } from '../../../experiments/plot/chart-frontier.ts';
import { renderSvg } from '../../../experiments/plot/render.ts';

const run = (seed: number, energyKWh: number, migrations: number) => ({
  seed,
  summary: { energyKWh, migrations },
});
const entries = [
  { policy: 'a', kind: 'gossip', runs: [run(1, 130, 3000), run(2, 150, 2000), run(3, 140, 4000)] },
  { policy: 'none', kind: 'gossip', runs: [run(1, 900, 0), run(2, 900, 0)] },
];

describe('energy–migrations frontier', () => {
  it('puts each policy at its medians with its interquartile range', () => {
    const [a, none] = frontierPoints(entries);
    expect(a).toMatchObject({ policy: 'a', energy: 140, energyQ1: 135, energyQ3: 145 });
    expect(a).toMatchObject({ migrations: 3000, migrationsQ1: 2500, migrationsQ3: 3500 });
    expect(none!.migrations).toBe(1); // log scale: no migrations is drawn at 1
  });

  it('renders to an SVG naming every policy', async () => {
    const svg = await renderSvg(frontierSpec(entries, 'test'));
    expect(svg).toMatch(/<svg/);
    expect(svg).toContain('>a<');
    expect(svg).toContain('>none<');
  });
});
