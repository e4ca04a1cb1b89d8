#!/usr/bin/env node
// The `pastream` command. `--version`, `-l` and `devices [--json]` are
// answered by fast-start (src/fast-start.ts) without loading oclif; every
// other command line goes to oclif, which runs it from its manifest (no
// command module is loaded to list or route commands). The audio modules
// load only when a command needs them. Command lines without a command name
// go to the default command, playrec: `pastream in.wav out.wav`.
import { fastStart } from '../dist/fast-start.js'

/**
 * Waits until what was written to stdout is out, as oclif's flush() does,
 * but by the write's callback, which also comes when stdout's reader has
 * gone (EPIPE, which oclif swallows): flush() waits for a 'drain' event
 * that then never comes, and node would exit 13 with the run unsettled.
 */
function flushStdout() {
  return new Promise((resolve) => {
    process.stdout.write('', () => resolve())
  })
}

if (!(await fastStart(process.argv.slice(2)))) {
  const [{ Config, handle, run, settings }, { route }] = await Promise.all([import('@oclif/core'), import('../dist/index.js')])

  // Plugins run as published JavaScript: no ts-node lookups (nor warnings
  // about them for linked ESM plugins).
  settings.enableAutoTranspile = false

  const config = await Config.load(import.meta.url)
  const argv = route(process.argv.slice(2), (id) => config.findCommand(id) !== undefined || config.findTopic(id) !== undefined)
  await run(argv, config)
    .then(() => flushStdout())
    .catch((error) => handle(error))
}
