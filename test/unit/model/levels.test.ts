import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Level, levelOf, pairOf, pairIndex, describePair } from '../../../src/model/levels.ts';

describe('levelOf (thesis thresholds)', () => {
  it.each([
    [0, Level.Low],
    [0.2, Level.Low],
    [0.2000001, Level.Medium],
    [0.4, Level.Medium],
    [0.41, Level.High],
    [0.5, Level.High],
    [0.55, Level.XHigh],
    [0.6, Level.XHigh],
    [0.65, Level.X2High],
    [0.7, Level.X2High],
    [0.75, Level.X3High],
    [0.8, Level.X3High],
    [0.85, Level.X4High],
    [0.9, Level.X4High],
    [0.95, Level.X5High],
    [0.999999, Level.X5High],
    [1, Level.Overload],
    [1.7, Level.Overload],
  ])('u = %f → level %i', (u, level) => {
    expect(levelOf(u)).toBe(level);
  });

  it("maps the thesis's worked example (0.85, 0.56) to (4xHigh, xHigh)", () => {
    expect(pairOf(0.85, 0.56)).toBe(pairIndex(Level.X4High, Level.XHigh));
    expect(describePair(pairOf(0.85, 0.56))).toBe('(4xHigh, xHigh)');
    // …and the PM holding it plus a (0.1, 0.2) VM is in state (5xHigh, 3xHigh).
    expect(describePair(pairOf(0.95, 0.76))).toBe('(5xHigh, 3xHigh)');
  });

  it('is monotone', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 3, noNaN: true }),
        fc.double({ min: 0, max: 3, noNaN: true }),
        (a, b) => {
          const [lo, hi] = a <= b ? [a, b] : [b, a];
          expect(levelOf(lo)).toBeLessThanOrEqual(levelOf(hi));
        },
      ),
    );
  });

  it('is Overload iff u ≥ 1', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 5, noNaN: true }), (u) => {
        expect(levelOf(u) === Level.Overload).toBe(u >= 1);
      }),
    );
  });
});
