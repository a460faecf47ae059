/**
 * Learning charts (GLAP, Khelghatdoust 2016): mean φout/φin reward per step, the heat map of a
 * node's φin accept map (φin(s, a) ≥ 0 accepts), and the reward distributions of rewards.csv as a
 * histogram and a box plot, split by role (sender `out`, recipient `in`).
 */
import { HEIGHT, runColor, STEP_X, top, WIDTH, type ChartSet } from './chart-kit.ts';
import { LEVELS, PAIRS, phiInOf, type LabelledRun } from './run-data.ts';

const ROLE = { out: 'senders (φout)', in: 'recipients (φin)' } as const;
const ROLES = [ROLE.out, ROLE.in];

export function rewardMeansChart(runs: readonly LabelledRun[]): ChartSet {
  const values = runs.flatMap((r) =>
    r.steps.flatMap((s) => [
      ...(s.reward_out_count > 0
        ? [{ run: r.label, step: s.step, role: ROLE.out, reward: s.reward_out_mean }]
        : []),
      ...(s.reward_in_count > 0
        ? [{ run: r.label, step: s.step, role: ROLE.in, reward: s.reward_in_mean }]
        : []),
    ]),
  );
  const name = 'reward-means';
  if (values.length === 0) {
    return { charts: [], notes: [{ chart: name, note: 'no step has a learning reward' }] };
  }
  const title = 'Mean reward per step';
  return {
    charts: [
      {
        name,
        title,
        caption:
          'Mean reward received per step by senders (φout, one per migration sent) and recipients (φin, one per migration received); steps without a migration are left out.',
        spec: top(title, 'steps without a reward are left out', {
          data: { values },
          facet: {
            column: { field: 'role', type: 'nominal', title: null, sort: ROLES },
          },
          spec: {
            width: WIDTH / 2,
            height: HEIGHT,
            mark: { type: 'line', point: true, strokeWidth: 1.5 },
            encoding: {
              x: STEP_X,
              y: { field: 'reward', type: 'quantitative', title: 'mean reward' },
              color: runColor(runs),
            },
          },
        }),
      },
    ],
    notes: [],
  };
}

export const DECISIONS = {
  accept: 'accept (φin > 0)',
  reject: 'reject (φin < 0)',
  unvisited: 'never updated (φin = 0, accepts)',
} as const;

/** A horizontal run of cells of one decision in one state row: actions from ≤ a < to. */
export interface PhiInCell {
  state: number;
  stateEnd: number;
  from: number;
  to: number;
  decision: string;
}

const decisionOf = (q: number) =>
  q > 0 ? DECISIONS.accept : q < 0 ? DECISIONS.reject : DECISIONS.unvisited;

/** Run-length cells of an 81 × 81 φin table, so the SVG has a few hundred rects, not 6561. */
export function phiInCells(q: Float32Array): PhiInCell[] {
  const cells: PhiInCell[] = [];
  for (let s = 0; s < PAIRS; s++) {
    let from = 0;
    for (let a = 1; a <= PAIRS; a++) {
      const d = decisionOf(q[s * PAIRS + from]!);
      if (a === PAIRS || decisionOf(q[s * PAIRS + a]!) !== d) {
        cells.push({ state: s, stateEnd: s + 1, from, to: a, decision: d });
        from = a;
      }
    }
  }
  return cells;
}

export function phiInChart(runs: readonly LabelledRun[], node: number | undefined): ChartSet {
  const name = 'phi-in';
  const notes = runs
    .filter((r) => r.qtables?.phiIn == null)
    .map((r) => ({
      chart: name,
      note: `${r.label}: no saved φin table (${r.dir}/qtables), so no heat map`,
    }));
  const withTables = runs.filter((r) => r.qtables?.phiIn != null);
  if (withTables.length === 0) return { charts: [], notes };
  const levels = withTables[0]!.qtables!.levels;
  const centres = levels.map((_, i) => i * LEVELS + LEVELS / 2);
  const labelExpr = `${JSON.stringify(levels)}[floor(datum.value / ${LEVELS})]`;
  const size = 5 * PAIRS;
  const axis = (title: string, labelAngle: number) => ({
    values: centres,
    labelExpr,
    title,
    grid: false,
    ticks: false,
    labelAngle,
    labelOverlap: false,
  });
  const boundaries = Array.from({ length: LEVELS - 1 }, (_, i) => ({ p: (i + 1) * LEVELS }));
  const panels = withTables.map((r) => {
    const t = phiInOf(r, node);
    return {
      title: { text: `${r.label} · node ${t.node}`, fontSize: 13 },
      width: size,
      height: size,
      layer: [
        {
          data: { values: phiInCells(t.q) },
          mark: { type: 'rect' },
          encoding: {
            x: {
              field: 'from',
              type: 'quantitative',
              scale: { domain: [0, PAIRS], nice: false, zero: false },
              axis: axis('offered VM (CPU level, RAM level)', -45),
            },
            x2: { field: 'to' },
            y: {
              field: 'state',
              type: 'quantitative',
              scale: { domain: [0, PAIRS], nice: false, zero: false, reverse: true },
              axis: axis('PM state (CPU level, RAM level)', 0),
            },
            y2: { field: 'stateEnd' },
            color: {
              field: 'decision',
              type: 'nominal',
              scale: {
                domain: Object.values(DECISIONS),
                range: ['#2e7d32', '#c62828', '#e4e4e4'],
              },
              legend: { title: 'φin decision', orient: 'bottom', direction: 'vertical' },
            },
          },
        },
        {
          data: { values: boundaries },
          mark: { type: 'rule', color: 'white', strokeWidth: 1 },
          encoding: { x: { field: 'p', type: 'quantitative' } },
        },
        {
          data: { values: boundaries },
          mark: { type: 'rule', color: 'white', strokeWidth: 1 },
          encoding: { y: { field: 'p', type: 'quantitative' } },
        },
      ],
    };
  });
  const title = 'φin accept map';
  return {
    charts: [
      {
        name,
        title,
        caption:
          "Sign of one PM's learnt φin(state, offered VM). Rows: the PM's (CPU level, RAM level); columns: the offered VM's, as a fraction of the PM's capacity. Each block is one CPU level; within a block the RAM level rises Low → Overload (left to right, top to bottom). Green accepts, red rejects, grey was never updated (and accepts).",
        spec: top(
          title,
          'blocks: CPU level, Low → Overload; inside a block: RAM level, Low → Overload',
          {
            columns: 2,
            concat: panels,
            resolve: { scale: { color: 'shared' } },
          },
        ),
      },
    ],
    notes,
  };
}

interface RewardPoint {
  run: string;
  role: string;
  reward: number;
}

function rewardPoints(runs: readonly LabelledRun[], chart: string) {
  const notes = runs
    .filter((r) => r.rewards === null)
    .map((r) => ({ chart, note: `${r.label}: no rewards.csv in ${r.dir}` }));
  const values: RewardPoint[] = runs.flatMap((r) =>
    (r.rewards ?? []).map((w) => ({ run: r.label, role: ROLE[w.role], reward: w.reward })),
  );
  if (values.length === 0) notes.push({ chart, note: 'no learning rewards in any run' });
  return { values, notes };
}

export function rewardHistogramChart(runs: readonly LabelledRun[]): ChartSet {
  const name = 'reward-histogram';
  const { values, notes } = rewardPoints(runs, name);
  if (values.length === 0) return { charts: [], notes };
  const title = 'Reward distribution';
  return {
    charts: [
      {
        name,
        title,
        caption:
          'Every learning reward of rewards.csv, binned: senders (φout) are paid most for emptying a lightly loaded PM, recipients (φin) for packing, and −40 for an offer that overloads them.',
        spec: top(title, 'all rewards of rewards.csv, by role', {
          data: { values },
          // Senders, then recipients: by name, descending. vega-lite 6.4 (the last release for
          // Node 20) does not apply a sort array (ROLES) to this facet and put recipients first.
          facet: {
            column: {
              field: 'role',
              type: 'nominal',
              title: null,
              sort: 'descending',
            },
          },
          spec: {
            width: WIDTH / 2,
            height: HEIGHT,
            mark: { type: 'bar', opacity: runs.length > 1 ? 0.6 : 1 },
            encoding: {
              x: {
                field: 'reward',
                type: 'quantitative',
                bin: { maxbins: 20 },
                title: 'reward',
              },
              y: {
                aggregate: 'count',
                type: 'quantitative',
                title: 'rewards (count)',
                stack: null,
              },
              color: runColor(runs),
            },
          },
          resolve: { scale: { x: 'independent' } },
        }),
      },
    ],
    notes,
  };
}

export function rewardBoxplotChart(runs: readonly LabelledRun[]): ChartSet {
  const name = 'reward-boxplot';
  const { values, notes } = rewardPoints(runs, name);
  if (values.length === 0) return { charts: [], notes };
  const title = 'Reward box plot';
  return {
    charts: [
      {
        name,
        title,
        caption:
          'Median, quartiles and 1.5 × IQR whiskers of the rewards by role; points beyond the whiskers are outliers.',
        spec: top(title, 'box: quartiles; whiskers: 1.5 × IQR', {
          width: WIDTH / 2,
          height: HEIGHT,
          data: { values },
          mark: { type: 'boxplot', extent: 1.5, size: 28 },
          encoding: {
            x: {
              field: 'role',
              type: 'nominal',
              sort: ROLES,
              title: null,
              axis: { labelAngle: 0 },
            },
            xOffset: { field: 'run', type: 'nominal', sort: runs.map((r) => r.label) },
            y: { field: 'reward', type: 'quantitative', title: 'reward' },
            color: runColor(runs),
          },
        }),
      },
    ],
    notes,
  };
}
