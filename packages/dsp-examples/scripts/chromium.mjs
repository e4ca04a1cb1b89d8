// Debian's chromium, headless, driven by playwright-core, with everything
// that would reach for the (closed) network turned off: how the scope test
// and docs-images.mjs look at the scope page.
import { chromium } from 'playwright-core'

export const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

/** Starts the headless browser. */
export function launchChromium() {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: chromiumArgs })
}
