#!/usr/bin/env node
// `pnpm bench` for the CLI: how fast `pastream` starts. In one run, on a
// virtual loopback device (so PortAudio lists a JACK server's devices):
// `node -e 0` (the reference), `pastream --version`, `pastream -l` and
// `pastream devices --json`, interleaved round by round so a change in the
// machine's load hits them alike; the first round is discarded (disk
// cache), the figures are medians. Goals (issue 12): --version within 1.5x
// the reference, -l and devices --json within 2.5x. Peak RSS comes from
// `/usr/bin/time -f %M` in separate runs (so the timed runs have no
// wrapper process). Then where `-l`'s time and memory go: Node's start,
// loading @pastream/stream, and queryDevices() (PortAudio's initialisation).
//
//   node bench/startup.mjs [--runs N] [--bin path/to/run.js]
//
// --bin measures another entry script (for example the one before a change,
// copied beside bin/run.js); the default is bin/run.js.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { availableParallelism, loadavg } from 'node:os'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { jackEnv, startVirtualDevice } from '@pastream/stream/testing'

const { values: options } = parseArgs({ options: { runs: { type: 'string', default: '15' }, bin: { type: 'string' } } })
const runs = Number(options.runs)
if (!Number.isInteger(runs) || runs < 10) throw new RangeError(`--runs: at least 10, got ${options.runs}`)
const bin = options.bin === undefined ? fileURLToPath(new URL('../bin/run.js', import.meta.url)) : resolve(options.bin)
const rssRuns = 3
const timeBin = '/usr/bin/time'

function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  return (sorted[(sorted.length - 1) >> 1] + sorted[sorted.length >> 1]) / 2
}

/** Runs `node ...args` once; its wall time in ms. */
function timeOnce(args, env) {
  const start = process.hrtime.bigint()
  const result = spawnSync(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] })
  const ms = Number(process.hrtime.bigint() - start) / 1e6
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} failed (${result.status}): ${result.stderr}`)
  return ms
}

/** Peak RSS of `node ...args` in MB (median of a few runs), or undefined without /usr/bin/time. */
function peakRss(args, env) {
  if (!existsSync(timeBin)) return undefined
  const samples = []
  for (let i = 0; i < rssRuns; i++) {
    const result = spawnSync(timeBin, ['-f', '%M', process.execPath, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' })
    if (result.status !== 0) throw new Error(`node ${args.join(' ')} failed (${result.status}): ${result.stderr}`)
    samples.push(Number(result.stderr.trim().split('\n').at(-1)) / 1024)
  }
  return median(samples)
}

/** Where `-l`'s time goes, in one fresh process: printed as JSON by the child. */
const breakdownScript = `
const boot = performance.now()
const { queryDevices } = await import('@pastream/stream')
const loaded = performance.now()
queryDevices()
const listed = performance.now()
console.log(JSON.stringify({ boot, stream: loaded - boot, query: listed - loaded, rss: process.memoryUsage().rss / 2 ** 20, peak: process.resourceUsage().maxRSS / 1024 }))
`

const commands = [
  { name: 'node -e 0', args: ['-e', '0'] },
  { name: 'pastream --version', args: [bin, '--version'], goal: 1.5 },
  { name: 'pastream -l', args: [bin, '-l'], goal: 2.5 },
  { name: 'pastream devices --json', args: [bin, 'devices', '--json'], goal: 2.5 },
]

const device = await startVirtualDevice({ name: 'pastream-bench-cli', channels: 2 })
try {
  const env = { ...process.env, ...jackEnv(device.serverName) }
  const load = loadavg()[0]
  const samples = commands.map(() => [])
  for (let round = 0; round <= runs; round++) {
    commands.forEach((command, i) => {
      const ms = timeOnce(command.args, env)
      if (round > 0) samples[i].push(ms) // round 0 warms the disk cache
    })
  }
  const rss = commands.map((command) => peakRss(command.args, env))
  const breakdown = []
  for (let i = 0; i <= runs; i++) {
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', breakdownScript], { env, cwd: fileURLToPath(new URL('..', import.meta.url)), encoding: 'utf8' })
    if (result.status !== 0) throw new Error(`the -l breakdown failed (${result.status}): ${result.stderr}`)
    if (i > 0) breakdown.push(JSON.parse(result.stdout))
  }

  const medians = samples.map(median)
  const reference = medians[0]
  console.log(`pastream startup: ${bin}`)
  console.log(`medians of ${runs} runs each (interleaved, first run discarded), Node ${process.version}, ${availableParallelism()} CPUs, load ${load.toFixed(2)}`)
  console.log(`${'command'.padEnd(24)} ${'median'.padStart(9)} ${'ratio'.padStart(7)}  ${'goal'.padEnd(5)} ${'result'.padEnd(8)} ${'peak RSS'.padStart(9)}`)
  commands.forEach((command, i) => {
    const ratio = medians[i] / reference
    const goal = command.goal === undefined ? '-' : `${command.goal}x`
    const result = command.goal === undefined ? '-' : ratio <= command.goal ? 'met' : 'NOT met'
    const memory = rss[i] === undefined ? 'n/a' : `${rss[i].toFixed(1)} MB`
    console.log(`${command.name.padEnd(24)} ${`${medians[i].toFixed(1)} ms`.padStart(9)} ${`${ratio.toFixed(2)}x`.padStart(7)}  ${goal.padEnd(5)} ${result.padEnd(8)} ${memory.padStart(9)}`)
  })
  if (rss[0] === undefined) console.log(`(peak RSS: n/a, no ${timeBin})`)
  const part = (key) => median(breakdown.map((b) => b[key])).toFixed(1)
  console.log(`pastream -l, where the time goes (medians of ${runs} fresh processes): Node's start to the first line ${part('boot')} ms, import @pastream/stream ${part('stream')} ms, queryDevices() (PortAudio's initialisation) ${part('query')} ms; RSS after it ${part('rss')} MB, peak ${part('peak')} MB`)
} finally {
  await device.stop()
}
