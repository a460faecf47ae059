/**
 * A Kafka run's secret, which signs every record (src/transport/kafka/record-auth.ts): read from
 * a file or the QOSSIP_RUN_SECRET environment variable (64 hex digits), never from a topic. The
 * driver makes a fresh one when given none, and writes it to a file only its user can read when
 * node hosts must join.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { UserError } from '../../src/core/errors.ts';
import { secretFromText, secretToText } from '../../src/transport/kafka/record-auth.ts';

export const RUN_SECRET_ENV = 'QOSSIP_RUN_SECRET';

/** The secret in `file`, else in $QOSSIP_RUN_SECRET, else undefined; a malformed one is an error. */
export function readRunSecret(
  file: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Buffer | undefined {
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new UserError(
        `cannot read the run secret file ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
      );
    }
    const s = secretFromText(text);
    if (!s) throw new UserError(`the run secret file ${file} must hold 64 hex digits`);
    return s;
  }
  const text = env[RUN_SECRET_ENV];
  if (text === undefined || text === '') return undefined;
  const s = secretFromText(text);
  if (!s) throw new UserError(`${RUN_SECRET_ENV} must be 64 hex digits`);
  return s;
}

/** Where the driver writes a fresh secret of run `run` for its node hosts. */
export function defaultSecretFile(run: string): string {
  return path.join(tmpdir(), `qossip-${run}.secret`);
}

/** Writes `secret` to `file`, readable by its owner only. */
export function writeRunSecret(file: string, secret: Buffer): void {
  writeFileSync(file, `${secretToText(secret)}\n`, { mode: 0o600 });
}

/** Removes a secret file the driver wrote; never throws. */
export function removeRunSecret(file: string): void {
  rmSync(file, { force: true });
}
