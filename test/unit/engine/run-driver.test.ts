/** The one step loop: step order, the stop request, a failure mid-run, and `finish` always last. */
import { describe, expect, it } from 'vitest';
import { RunDriver, type RunDriverHooks } from '../../../src/engine/run-driver.ts';
import { InvariantError, UserError } from '../../../src/core/errors.ts';

/** An engine that logs what the driver asks of it. */
function engine(log: string[], failAtRound = -1) {
  let rounds = 0;
  return {
    startStep: (s: number) => log.push(`start ${s}`),
    runRound: async () => {
      rounds++;
      log.push(`round ${rounds}`);
      if (rounds === failAtRound) throw new UserError('broker gone');
      return { phases: 1, messages: rounds };
    },
  };
}

function hooks(log: string[], over: Partial<RunDriverHooks> = {}): RunDriverHooks {
  return {
    beginStep: (s) => (log.push(`demand ${s}`), true),
    controller: (s) => log.push(`controller ${s}`),
    afterRound: (st) => log.push(`messages ${st.messages}`),
    endStep: (s) => log.push(`end ${s}`),
    check: () => log.push('check'),
    finish: async (e) => void log.push(`finish ${e ?? '-'}`),
    ...over,
  };
}

describe('RunDriver', () => {
  it('runs demand, step start, controller, rounds and measurement in that order, then check and finish', async () => {
    const log: string[] = [];
    const out = await new RunDriver(engine(log), 2, 2).run(hooks(log));
    expect(out).toEqual({ steps: 2, truncated: false });
    expect(log).toEqual([
      'demand 0',
      'start 0',
      'controller 0',
      'round 1',
      'messages 1',
      'round 2',
      'messages 2',
      'end 0',
      'demand 1',
      'start 1',
      'controller 1',
      'round 3',
      'messages 3',
      'round 4',
      'messages 4',
      'end 1',
      'finish -',
      'check',
    ]);
  });

  it('a stop request ends the run before the next step, truncated', async () => {
    const log: string[] = [];
    let steps = 0;
    const out = await new RunDriver(engine(log), 5, 1).run(
      hooks(log, { endStep: () => void steps++, shouldStop: () => steps === 2 }),
    );
    expect(out).toEqual({ steps: 2, truncated: true });
  });

  it('beginStep returning false ends the run there, complete (a host whose driver ended it)', async () => {
    const log: string[] = [];
    const out = await new RunDriver(engine(log), 5, 1).run(hooks(log, { beginStep: (s) => s < 3 }));
    expect(out).toEqual({ steps: 3, truncated: false });
    expect(log.at(-1)).toBe('check');
  });

  it('a user-facing failure ends the run early with its message: finish hears it, no check', async () => {
    const log: string[] = [];
    const out = await new RunDriver(engine(log, 3), 5, 2).run(hooks(log));
    expect(out).toEqual({ steps: 1, truncated: true, error: 'broker gone' });
    expect(log.at(-1)).toBe('finish broker gone');
    expect(log).not.toContain('check');
  });

  it('a bug propagates, after finish has told the others', async () => {
    const log: string[] = [];
    const run = new RunDriver(engine(log), 3, 1).run(
      hooks(log, {
        controller: () => {
          throw new InvariantError('VM 3 owned twice');
        },
      }),
    );
    await expect(run).rejects.toThrow('VM 3 owned twice');
    expect(log.at(-1)).toBe('finish VM 3 owned twice');
  });
});
