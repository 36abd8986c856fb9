import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/** Debian's Chromium (`apt-get install -y chromium`): the tests never download a browser. */
export const chromiumPath = '/usr/bin/chromium';

/** No sandbox (the tests run as root), and nothing that would reach out of the machine. */
const chromiumArgs = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Headless Chromium, with a fresh temporary profile (Playwright gives every `launch()` its own
 * user-data directory and removes it on `close()`). Fails, saying what to install, when the
 * browser is missing.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(chromiumPath)) {
    throw new Error(
      `Chromium is missing at ${chromiumPath}: install it with ` +
        '`apt-get update && apt-get install -y chromium` (the web UI test drives it)',
    );
  }
  return chromium.launch({ executablePath: chromiumPath, headless: true, args: chromiumArgs });
}
