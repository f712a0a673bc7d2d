// Drives emulator/tests/js/cors_page.html in headless Chromium: opens the page (argv[2]),
// hands it the emulator's ids (stdin, JSON, the password among them, so it never shows in a
// process list) and prints what window.run answered, as JSON. Chromium: $CHROMIUM, else
// /usr/bin/chromium (Debian's package, installed by .ci/run). Run by
// emulator/tests/browser_cors.rs.
'use strict';
const { chromium } = require('playwright-core');

async function main() {
  const pageUrl = process.argv[2];
  const config = JSON.parse(require('fs').readFileSync(0, 'utf8'));
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage();
    const consoleLines = [];
    page.on('console', (m) => consoleLines.push(m.text()));
    await page.goto(pageUrl, { timeout: 30000 });
    let timer;
    const result = await Promise.race([
      page.evaluate((c) => window.run(c), config),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('no answer in 60 s')), 60000);
      }),
    ]).catch((e) => ({ error: String(e && e.message || e), console: consoleLines }));
    clearTimeout(timer);
    process.stdout.write(JSON.stringify(result));
  } finally {
    await browser.close();
  }
}

main().catch((e) => {
  process.stderr.write(String(e && e.stack || e));
  process.exit(1);
});
