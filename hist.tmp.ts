import { compile } from 'vega-lite';
import { buildCharts } from './experiments/plot/charts.ts';
import { labelRuns, loadRun } from './experiments/plot/run-data.ts';
const runs = labelRuns([loadRun('test/fixtures/run-small'), loadRun('test/fixtures/run-small-b')]);
const set = buildCharts(runs as never);
const c = set.charts.find((x: { name: string }) => x.name === 'reward-histogram')!;
const v = compile(c.spec as never).spec;
console.log(JSON.stringify(v.marks?.[0]?.from ?? v.marks, null, 0).slice(0, 600));
console.log(JSON.stringify(v.data.filter((d: {name:string}) => /column|facet/.test(d.name)), null, 0).slice(0, 1500));
