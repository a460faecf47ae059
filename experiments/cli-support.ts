/**
 * Process edge for every CLI: a UserError becomes one line on stderr and exit code 1; anything
 * else is a bug and is reported with its stack (exit code 70, EX_SOFTWARE).
 */
import { readFileSync } from 'node:fs';
import yargs from 'yargs';
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

/**
 * A yargs parser with qossip's command-line conventions: unknown flags are errors, `--help` is
 * there, and a parse failure becomes a UserError of one sentence.
 */
export function cliParser(argv: string[], scriptName: string, usage?: string) {
  const y = yargs(argv).scriptName(scriptName);
  return (usage === undefined ? y : y.usage(usage))
    .strict()
    .help()
    .version(false)
    .fail((msg, err) => {
      throw err ?? new UserError(`${msg.replace(/\.$/, '')} (see --help)`);
    });
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
