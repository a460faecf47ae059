/**
 * `npm run frontier -- <compare dir>... --out FILE`: the energy–migrations frontier of one or
 * several comparisons (their compare.json), as FILE.svg and FILE.png: each policy a point at its
 * medians with its interquartile range, each seed a faint dot, the targets as dashed rules. A
 * policy named in several comparisons is drawn from the first that has it.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { hideBin } from 'yargs/helpers';
import { UserError } from '../src/core/errors.ts';
import { cliParser, readJsonFile, runCli } from './cli-support.ts';
import { frontierSpec, type CompareEntry } from './plot/chart-frontier.ts';
import { renderSvg, svgToPng } from './plot/render.ts';

interface CompareFile {
  workload?: string;
  profile?: string;
  seeds?: number[];
  policies?: CompareEntry[];
}

async function main(argv: string[]): Promise<number> {
  const args = await cliParser(argv, 'npm run frontier --')
    .command('$0 <dirs..>', 'Draws the energy–migrations frontier of compare runs.', (y) =>
      y.positional('dirs', {
        type: 'string',
        array: true,
        demandOption: true,
        describe: 'directories written by npm run compare (or their compare.json)',
      }),
    )
    .option('out', {
      type: 'string',
      demandOption: true,
      describe: 'output file stem; writes STEM.svg and STEM.png',
    })
    .option('exclude', {
      type: 'string',
      default: '',
      describe: 'comma-separated policies to leave out (e.g. none,ffd)',
    })
    .option('quiet', { type: 'boolean', default: false, describe: 'print nothing but errors' })
    .parseAsync();
  const exclude = new Set(
    args.exclude
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
  );
  const entries: CompareEntry[] = [];
  const seen = new Set<string>();
  let first: CompareFile | undefined;
  for (const d of (args.dirs as unknown[]).map(String)) {
    const file = d.endsWith('.json') ? d : join(d, 'compare.json');
    if (!existsSync(file))
      throw new UserError(`${file} does not exist (run npm run compare first)`);
    const c = readJsonFile(file, 'comparison') as CompareFile;
    if (!Array.isArray(c.policies)) throw new UserError(`${file} has no "policies" list`);
    first ??= c;
    for (const p of c.policies) {
      if (seen.has(p.policy) || exclude.has(p.policy)) continue;
      seen.add(p.policy);
      entries.push(p);
    }
  }
  if (entries.length === 0) throw new UserError('no policy left to draw');
  const subtitle = [
    first?.workload?.replace(/^.*\//, ''),
    first?.profile && `${first.profile} profile`,
    first?.seeds && `seeds ${first.seeds[0]}–${first.seeds[first.seeds.length - 1]}`,
    'bars: interquartile range; dots: each seed; dashed: 140 kWh, 5,000 migrations',
  ]
    .filter(Boolean)
    .join(' · ');
  const svg = await renderSvg(frontierSpec(entries, subtitle));
  mkdirSync(dirname(args.out) || '.', { recursive: true });
  writeFileSync(`${args.out}.svg`, svg);
  writeFileSync(`${args.out}.png`, svgToPng(svg, 2).png);
  if (!args.quiet)
    process.stdout.write(`${args.out}.svg, ${args.out}.png: ${entries.length} policies\n`);
  return 0;
}

runCli(() => main(hideBin(process.argv)));
