// Preloaded into a measured `pastream` (NODE_OPTIONS=--require) by
// bench/floor.mjs: at exit, writes the whole process's CPU time (every
// thread) and peak RSS as JSON to the file PASTREAM_BENCH_USAGE names.
const { writeFileSync } = require('node:fs')
const target = process.env.PASTREAM_BENCH_USAGE
if (target) {
  process.on('exit', () => {
    const cpu = process.cpuUsage()
    writeFileSync(target, JSON.stringify({ cpuMs: (cpu.user + cpu.system) / 1000, maxRssKb: process.resourceUsage().maxRSS }))
  })
}
