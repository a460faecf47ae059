/**
 * The named configurations: `thesis` is GLAP as the thesis describes it, and the keys in which the
 * tuned defaults depart from it are exactly the ones README's "Differences from the thesis" lists.
 */
import { describe, expect, it } from 'vitest';
import { defaultConfig, resolveConfig } from '../../../experiments/config.ts';
import { isPreset, presetLayer, presetNames } from '../../../experiments/presets.ts';

/** Key paths (a.b.c) whose values differ between two plain objects. */
function differences(a: unknown, b: unknown, path = ''): string[] {
  const isObj = (x: unknown) => typeof x === 'object' && x !== null && !Array.isArray(x);
  if (isObj(a) && isObj(b)) {
    const keys = new Set([...Object.keys(a as object), ...Object.keys(b as object)]);
    return [...keys].flatMap((k) =>
      differences(
        (a as Record<string, unknown>)[k],
        (b as Record<string, unknown>)[k],
        path ? `${path}.${k}` : k,
      ),
    );
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [path];
}

describe('presets', () => {
  it('lists the shipped presets; an unknown one fails naming them', () => {
    expect(presetNames()).toContain('thesis');
    expect(isPreset('thesis')).toBe(true);
    expect(isPreset('../config')).toBe(false);
    expect(() => presetLayer('nope')).toThrow("unknown preset 'nope'; expected one of thesis");
  });

  it('thesis departs from the defaults in exactly the keys README names', () => {
    const thesis = resolveConfig(presetLayer('thesis'));
    expect(differences(defaultConfig(), thesis).sort()).toEqual([
      'glap.trainTables',
      'policy',
      'protocol.probeEveryRounds',
      'protocol.rescueBelowCpu',
      'protocol.senderBy',
      'protocol.wakeAfterStuckRounds',
      'qlearning.holdWhenNegative',
      'qlearning.inRewardAt',
      'qlearning.rewards.in',
      'qlearning.rewards.out',
    ]);
    expect(thesis.protocol).toMatchObject({
      senderBy: 'utilisation',
      rescueBelowCpu: 0,
      probeEveryRounds: 1,
      shedAboveCpu: 1,
    });
    expect(thesis.policy).toBe('glap');
  });
});
