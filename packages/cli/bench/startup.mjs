#!/usr/bin/env node
// `pnpm bench` for the CLI: how fast `pastream` starts. Medians of 10 runs of
// `node -e 0` (the reference, measured in the same run), `pastream --version`
// and `pastream -l` (on the virtual loopback device, so PortAudio lists a
// JACK server's devices). Goals: --version within 150 ms of bare node,
// -l within 300 ms.
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { jackEnv, startVirtualDevice } from '@pastream/stream/testing'

const bin = fileURLToPath(new URL('../bin/run.js', import.meta.url))
const runs = 10

function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  return (sorted[(sorted.length - 1) >> 1] + sorted[sorted.length >> 1]) / 2
}

function time(args, env) {
  const samples = []
  for (let i = 0; i < runs + 1; i++) {
    const start = process.hrtime.bigint()
    const result = spawnSync(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] })
    const ms = Number(process.hrtime.bigint() - start) / 1e6
    if (result.status !== 0) throw new Error(`${args.join(' ')} failed (${result.status}): ${result.stderr}`)
    if (i > 0) samples.push(ms) // the first run warms the disk cache
  }
  return median(samples)
}

const device = await startVirtualDevice({ name: 'pastream-bench-cli', channels: 2 })
try {
  const env = { ...process.env, ...jackEnv(device.serverName) }
  const bare = time(['-e', '0'], env)
  const version = time([bin, '--version'], env)
  const list = time([bin, '-l'], env)
  const row = (name, ms, goal) => {
    const over = ms - bare
    console.log(`${name.padEnd(20)} ${ms.toFixed(1).padStart(7)} ms  (${over >= 0 ? '+' : ''}${over.toFixed(1)} ms over node, ${(ms / bare).toFixed(2)}x)${goal === undefined ? '' : `  goal +${goal} ms: ${over <= goal ? 'met' : 'NOT met'}`}`)
  }
  console.log(`pastream startup, medians of ${runs} runs (Node ${process.version})`)
  row('node -e 0', bare)
  row('pastream --version', version, 150)
  row('pastream -l', list, 300)
} finally {
  await device.stop()
}
