/**
 * A headless Chromium for the browser tests, found without a download at test time: first the
 * binary that `npm install` brings with the @sparticuz/chromium devDependency (unpacked once into
 * the temp dir, about 2 s), else a system Chromium on PATH. Playwright's own browser download
 * needs a CDN that is not one of the package registries, so it is not used. With neither, the
 * test fails with one sentence saying what to install: it never skips.
 */
import { execFileSync } from 'node:child_process';
import type { Browser } from 'playwright-core';

const SYSTEM = ['chromium', 'chromium-browser', 'google-chrome'];

function systemChromium(): string | undefined {
  for (const name of SYSTEM) {
    try {
      return execFileSync('which', [name], { encoding: 'utf8' }).trim() || undefined;
    } catch {
      /* not on PATH */
    }
  }
  return undefined;
}

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  const problems: string[] = [];
  try {
    const pkg = (await import('@sparticuz/chromium')).default;
    return await chromium.launch({ executablePath: await pkg.executablePath(), args: pkg.args });
  } catch (e) {
    problems.push(`@sparticuz/chromium: ${(e as Error).message.split('\n')[0]}`);
  }
  const system = systemChromium();
  if (system) return chromium.launch({ executablePath: system, args: ['--no-sandbox'] });
  throw new Error(
    `no Chromium for the browser test (${problems.join('; ')}; none of ${SYSTEM.join(', ')} on PATH): ` +
      'run `npm install` (it installs @sparticuz/chromium) or install a system Chromium.',
  );
}
