import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  RecordKind,
  decisionRecord,
  recordKind,
  recordRound,
} from '../../../protocols/consolidation-state.ts';

describe('decision records', () => {
  it('give back the kind and round they were packed from', () => {
    const kinds = Object.values(RecordKind);
    fc.assert(
      fc.property(
        fc.constantFrom(...kinds),
        fc.integer({ min: 0, max: 2 ** 40 }),
        (kind, round) => {
          const r = decisionRecord(kind, round);
          expect(recordKind(r)).toBe(kind);
          expect(recordRound(r)).toBe(round);
        },
      ),
    );
  });
});
