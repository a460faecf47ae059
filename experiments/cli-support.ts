/**
 * Process edge for every CLI: a UserError becomes one line on stderr and exit code 1; anything
 * else is a bug and is reported with its stack (exit code 70, EX_SOFTWARE).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type yargsModule from 'yargs';
import { UserError, errnoWords } from '../src/core/errors.ts';

export function runCli(main: () => Promise<number>): void {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      if (e instanceof UserError) {
        process.stderr.write(`qossip: ${e.message}\n`);
        process.exitCode = 1;
      } else {
        process.stderr.write(
          `qossip: internal error (a bug; please report it):\n${(e as Error)?.stack ?? String(e)}\n`,
        );
        process.exitCode = 70;
      }
    },
  );
}

// yargs' ES-module build lays out help with cliui's ESM shim, whose wrap cuts words anywhere
// ("w / rites"); its CommonJS build wraps with wrap-ansi, at word boundaries.
const yargs = createRequire(import.meta.url)('yargs') as typeof yargsModule;

/** Help text width: the terminal's, else $COLUMNS, else 80 columns (piped, e.g. into less). */
const helpWidth = () => process.stdout.columns || Number(process.env.COLUMNS) || 80;

/**
 * A yargs parser with qossip's command-line conventions: unknown flags are errors, a flag that
 * takes a value must be given one (`--pms` alone is not 100), `--help` is there, wrapped at word
 * boundaries at the terminal's width, and a parse failure becomes a UserError of one sentence.
 * `usage` is the usage line and description (CLIs with a default command give theirs there).
 */
export function cliParser(argv: string[], scriptName: string, usage?: string) {
  const y = yargs(argv).scriptName(scriptName);
  const parser = (usage === undefined ? y : y.usage(usage))
    .wrap(helpWidth())
    .strict()
    .help(false)
    .option('help', { type: 'boolean', describe: 'show this help' })
    .version(false)
    .fail((msg, err) => {
      throw err ?? new UserError(`${msg.replace(/\.$/, '')} (see --help)`);
    });
  const internal = parser as unknown as {
    getOptions(): { number: string[]; string: string[] };
    getHelp(): Promise<string>;
    parseAsync(): Promise<unknown>;
  };
  // Help comes first, whatever else is wrong with the command line (yargs would check a
  // command's positional arguments before any middleware).
  const parseAsync = internal.parseAsync.bind(parser);
  internal.parseAsync = async () => {
    const end = argv.indexOf('--');
    if ((end < 0 ? argv : argv.slice(0, end)).includes('--help')) {
      process.stdout.write(`${unglueAnnotations(await internal.getHelp(), helpWidth())}\n`);
      process.exit(0);
    }
    return parseAsync();
  };
  // Runs before validation, once every option is declared; yargs would otherwise read a
  // value-less `--pms` as "not given" and use the default without a word.
  return parser.middleware(() => requireValues(argv, internal.getOptions()), true);
}

/**
 * cliui (yargs' layout) sets a flag's "[number] [default: …]" on the description's last line,
 * with no space when the two exactly fill the width ("start[number]"); this moves such an
 * annotation to a line of its own, right-aligned, as cliui does when they do not fit.
 */
export function unglueAnnotations(help: string, width: number): string {
  return help
    .split('\n')
    .map((line) => {
      const m = /\S(\[(?:boolean|number|string|array|count)\].*)$/.exec(line);
      if (m === null || line.length < width) return line;
      const at = line.length - m[1]!.length;
      return `${line.slice(0, at)}\n${' '.repeat(at)}${m[1]}`;
    })
    .join('\n');
}

/** Flags that take a value, given as the last argument or followed by another flag. */
function requireValues(argv: string[], o: { number: string[]; string: string[] }): void {
  const valued = new Set([...o.number, ...o.string]);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') break;
    if (!a.startsWith('--') || a.includes('=')) continue;
    const name = a.slice(2);
    const camel = name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    if (!valued.has(name) && !valued.has(camel)) continue;
    const next = argv[i + 1];
    if (next === undefined || (next.startsWith('-') && !/^-\d/.test(next))) {
      throw new UserError(`${a} needs a value (see --help)`);
    }
  }
}

/** A JSON file named on the command line (`what`: e.g. "config file"); failures are UserErrors. */
export function readJsonFile(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UserError(`cannot read ${what} ${path}: ${errnoWords(e)}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UserError(`${what} ${path} is not valid JSON: ${(e as Error).message}`);
  }
}
