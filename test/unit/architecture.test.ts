/**
 * Architecture rules, checked by scanning imports and calls (a small dependency-cruiser):
 *  - imports flow experiments → nodes → protocols → src; src imports none of the others;
 *  - protocols/ and nodes/ never import the datacenter (the world's global state) or experiments/;
 *  - protocol, node and policy code never reads Math.random, Date.now, timers or the process;
 *  - packages stay in their folder: kafkajs only under src/transport/kafka/, TensorFlow.js only
 *    under src/policy/dqn/ (so a plain run loads neither);
 *  - no import circles (type-only imports count: a circle of types is a circle of concepts).
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');

function tsFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((f) => {
    const p = join(dir, f);
    return statSync(join(ROOT, p)).isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Every import specifier of a source text (static, dynamic, type-only, `typeof import(…)`). */
function specifiersIn(src: string): string[] {
  return [...src.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)['"]([^'"]+)['"]/g)].map(
    (m) => m[1]!,
  );
}

/** Project-relative targets of a file's relative imports. */
function importsOf(file: string): string[] {
  return specifiersIn(readFileSync(join(ROOT, file), 'utf8'))
    .filter((s) => s.startsWith('.'))
    .map((s) => relative(ROOT, resolve(ROOT, dirname(file), s)));
}

/** Package names a file imports (`@scope/name` or `name`; node: built-ins excluded). */
function packagesOf(file: string): string[] {
  return specifiersIn(readFileSync(join(ROOT, file), 'utf8'))
    .filter((s) => !s.startsWith('.') && !s.startsWith('node:'))
    .map((s) =>
      s
        .split('/')
        .slice(0, s.startsWith('@') ? 2 : 1)
        .join('/'),
    );
}

/** Packages that may be imported only under one folder, and the folder. */
const CONFINED: [RegExp, string][] = [
  [/^kafkajs$/, 'src/transport/kafka/'],
  [/^@tensorflow\//, 'src/policy/dqn/'],
];

/** `file imports pkg` for each confined package imported outside its folder. */
function packageViolations(imports: readonly (readonly [string, readonly string[]])[]): string[] {
  return imports.flatMap(([f, pkgs]) =>
    pkgs.flatMap((pkg) =>
      CONFINED.filter(([re, dir]) => re.test(pkg) && !f.startsWith(dir)).map(
        ([, dir]) => `${f} imports ${pkg} (allowed only under ${dir})`,
      ),
    ),
  );
}

/** The import circles of a file graph: its strongly connected components with 2+ files (Tarjan). */
function importCircles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const circles: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) circles.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return circles;
}

const CODE = ['src', 'protocols', 'nodes', 'experiments'];

const top = (p: string) => p.split('/')[0]!;

describe('architecture', () => {
  it('src/ imports nothing from nodes/, protocols/ or experiments/', () => {
    const bad = tsFiles('src').flatMap((f) =>
      importsOf(f)
        .filter((i) => top(i) !== 'src')
        .map((i) => `${f} → ${i}`),
    );
    expect(bad).toEqual([]);
  });

  it('protocols/ and nodes/ import neither experiments/ nor the datacenter', () => {
    const files = [...tsFiles('protocols'), ...tsFiles('nodes')];
    const bad = files.flatMap((f) =>
      importsOf(f)
        .filter(
          (i) =>
            top(i) === 'experiments' ||
            i.startsWith('src/model/datacenter') ||
            (top(f) === 'protocols' && top(i) === 'nodes'),
        )
        .map((i) => `${f} → ${i}`),
    );
    expect(bad).toEqual([]);
  });

  it('protocol, node and policy code uses no global randomness, clock, timers or process state', () => {
    const forbidden =
      /\bMath\.random\b|\bDate\.now\b|\bnew Date\b|\bperformance\.now\b|\bset(Timeout|Interval|Immediate)\b|\bprocess\./;
    // src/engine/clock.ts is the one real clock; everything else is handed a Clock.
    const files = [
      ...tsFiles('protocols'),
      ...tsFiles('nodes'),
      ...tsFiles('src/policy'),
      ...tsFiles('src/engine'),
    ].filter((f) => f !== 'src/engine/clock.ts');
    expect(files.length).toBeGreaterThan(5);
    const bad = files.flatMap((f) =>
      readFileSync(join(ROOT, f), 'utf8')
        .split('\n')
        .map((line, i) => [line.replace(/\/\/.*$|^\s*\*.*$/, ''), i] as const)
        .filter(([line]) => forbidden.test(line))
        .map(([line, i]) => `${f}:${i + 1}: ${line.trim()}`),
    );
    expect(bad).toEqual([]);
  });

  it('kafkajs is imported only under src/transport/kafka/, TensorFlow.js only under src/policy/dqn/', () => {
    const files = [...CODE.flatMap(tsFiles), ...tsFiles('test')];
    expect(packageViolations(files.map((f) => [f, packagesOf(f)] as const))).toEqual([]);
  });

  it('src/ outside src/policy/dqn/ never imports the DQN (experiments/ composes the registry)', () => {
    const bad = tsFiles('src')
      .filter((f) => !f.startsWith('src/policy/dqn/'))
      .flatMap((f) =>
        importsOf(f)
          .filter((i) => i.startsWith('src/policy/dqn/'))
          .map((i) => `${f} → ${i}`),
      );
    expect(bad).toEqual([]);
  });

  it('has no import circles', () => {
    const files = CODE.flatMap(tsFiles);
    expect(importCircles(new Map(files.map((f) => [f, importsOf(f)])))).toEqual([]);
  });

  it('the scanner itself sees imports, packages, circles and forbidden calls', () => {
    expect(packagesOf('src/transport/kafka/kafka-io.ts')).toContain('kafkajs');
    expect(packagesOf('src/policy/dqn/backend.ts')).toContain('@tensorflow/tfjs-backend-wasm');
    expect(
      packageViolations([
        ['nodes/x.ts', ['kafkajs', 'zod']],
        ['src/policy/y.ts', ['@tensorflow/tfjs']],
        ['src/policy/dqn/z.ts', ['@tensorflow/tfjs']],
      ]),
    ).toEqual([
      'nodes/x.ts imports kafkajs (allowed only under src/transport/kafka/)',
      'src/policy/y.ts imports @tensorflow/tfjs (allowed only under src/policy/dqn/)',
    ]);
    const circle = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts']],
      ['d.ts', ['a.ts']],
    ]);
    expect(importCircles(circle)).toEqual([['a.ts', 'b.ts', 'c.ts']]);
    expect(
      importCircles(
        new Map([
          ['a.ts', ['b.ts']],
          ['b.ts', []],
        ]),
      ),
    ).toEqual([]);
    expect(importsOf('nodes/pm-agent.ts')).toContain('protocols/consolidation.ts');
    expect(importsOf('experiments/simulation.ts')).toContain('src/model/datacenter.ts');
  });
});
