import fs from 'node:fs';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';

/** Debian's chromium (apt-get install -y chromium); ROSTER_CHROMIUM may point elsewhere. The tests never download a browser. */
export const CHROMIUM_PATH = process.env.ROSTER_CHROMIUM || '/usr/bin/chromium';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];

/**
 * Whether the browser suites can run here. On CI a missing chromium is an error (the job must install it);
 * on a developer machine the suites are skipped with a loud warning, so `vitest run` still works.
 */
export function chromiumAvailable(): boolean {
  if (fs.existsSync(CHROMIUM_PATH)) return true;
  if (process.env.CI === 'true') {
    throw new Error(`The browser tests need chromium at ${CHROMIUM_PATH}. Install it with: apt-get install -y chromium`);
  }
  console.warn(
    [
      '',
      '!'.repeat(78),
      `!! SKIPPING the browser tests: no chromium at ${CHROMIUM_PATH}.`,
      '!! Install it with: apt-get install -y chromium   (on CI=true this is an error)',
      '!'.repeat(78),
      '',
    ].join('\n'),
  );
  return false;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}

/**
 * Polls `condition` until it returns true (playwright-core has no `expect`). On timeout the error names
 * what was awaited and, if given, what the page looked like then.
 */
export async function waitFor(
  condition: () => Promise<boolean> | boolean,
  what: string,
  { timeout = 10_000, interval = 50, page }: { timeout?: number; interval?: number; page?: Page } = {},
): Promise<void> {
  const deadline = Date.now() + timeout;
  let lastError: unknown;
  for (;;) {
    try {
      if (await condition()) return;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, interval));
  }
  let detail = '';
  if (page) {
    const body = await page
      .locator('body')
      .innerText({ timeout: 1000 })
      .catch(() => '(no body)');
    detail = `\n  at ${page.url()}\n  page text:\n${body.slice(0, 1500)}`;
  }
  throw new Error(`Timed out after ${timeout} ms waiting for: ${what}${lastError ? `\n  last error: ${String(lastError)}` : ''}${detail}`);
}

/** Polls until `read` returns a value that `accept` likes, and returns that value. */
export async function waitForValue<T>(
  read: () => Promise<T>,
  accept: (value: T) => boolean,
  what: string,
  options: { timeout?: number; interval?: number; page?: Page } = {},
): Promise<T> {
  let last: T | undefined;
  let seen = false;
  try {
    await waitFor(
      async () => {
        last = await read();
        seen = true;
        return accept(last);
      },
      what,
      options,
    );
  } catch (error) {
    if (seen) (error as Error).message += `\n  last value: ${JSON.stringify(last)}`;
    throw error;
  }
  return last as T;
}

/** Waits until the locator matches at least one visible element. */
export function waitVisible(locator: Locator, what: string, options: { timeout?: number; page?: Page } = {}): Promise<void> {
  return waitFor(() => locator.first().isVisible(), what, options);
}
