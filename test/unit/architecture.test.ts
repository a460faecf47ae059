/**
 * Architecture rules, checked by scanning imports and calls (a small dependency-cruiser):
 *  - imports flow experiments → nodes → protocols → src; src imports none of the others;
 *  - protocols/ and nodes/ never import the datacenter (the world's global state) or experiments/;
 *  - protocol, node and policy code never reads Math.random, Date.now, timers or the process.
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

/** Project-relative targets of a file's relative imports (static, dynamic and type-only). */
function importsOf(file: string): string[] {
  const src = readFileSync(join(ROOT, file), 'utf8');
  const specs = [...src.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)['"]([^'"]+)['"]/g)].map(
    (m) => m[1]!,
  );
  return specs
    .filter((s) => s.startsWith('.'))
    .map((s) => relative(ROOT, resolve(ROOT, dirname(file), s)));
}

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

  it('the scanner itself sees imports and forbidden calls', () => {
    expect(importsOf('nodes/pm-agent.ts')).toContain('protocols/consolidation.ts');
    expect(importsOf('experiments/simulation.ts')).toContain('src/model/datacenter.ts');
  });
});
