import type { Browser } from 'playwright-core'

export declare const chromiumArgs: string[]
/** Starts the headless browser. */
export declare function launchChromium(): Promise<Browser>
