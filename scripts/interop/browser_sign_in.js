// Drives a managed-login sign-in page in headless Chromium, as a person would: opens the
// authorize URL (argv[2]), types the username (argv[3]) and the password (from stdin, so it
// never shows in a process list), presses "Sign in", and waits until the browser lands on the
// app's loopback redirect. Prints {"url": <where it landed>, "text": <what the page said>}.
// Chromium: $CHROMIUM, else /usr/bin/chromium (Debian's package, installed by .ci/run).
const { chromium } = require('playwright-core');

async function main() {
  const [authorizeUrl, username] = process.argv.slice(2);
  const password = require('fs').readFileSync(0, 'utf8').trim();
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage();
    await page.goto(authorizeUrl, { timeout: 30000 });
    await page.fill('#username', username);
    await page.fill('#password', password);
    await Promise.all([
      page.waitForURL((url) => url.searchParams.has('code') || url.searchParams.has('error'),
        { timeout: 30000 }),
      page.click('#signin'),
    ]);
    const text = await page.textContent('body');
    process.stdout.write(JSON.stringify({ url: page.url(), text }));
  } finally {
    await browser.close();
  }
}

main().catch((e) => {
  process.stderr.write(String(e && e.stack || e));
  process.exit(1);
});
