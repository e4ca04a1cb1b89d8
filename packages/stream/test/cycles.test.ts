// Open/start/stop/close cycles (fixtures/cycles.mjs in a child process):
// every run's wait() or stop() resolves, and nothing grows: file
// descriptors, threads, RSS under 5 MB past the first 200 cycles (by then
// memory has reached its plateau). Each cycle initialises PortAudio anew
// (the last close terminates it), about 90 ms with JACK, so CI runs as many
// cycles as fit in 55 s; the full 10 000 are the nightly
// scripts/nightly/cycles.mjs.
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { expect, test } from 'vitest'

const script = fileURLToPath(new URL('./fixtures/cycles.mjs', import.meta.url))

test('open/start/stop/close cycles for 55 s: no lost wait(), no fd, thread or RSS growth', { timeout: 120000 }, async () => {
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(process.execPath, ['--expose-gc', script, '--seconds', '55'], { timeout: 110000 }, (error, out, stderr) => {
      if (error) reject(new Error(`${error.message}\nstderr: ${stderr}`))
      else resolve(out)
    })
  })
  const report = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as {
    cycles: number
    msPerCycle: number
    cyclesPerSecond: number
    base: { fds: number; threads: number; rss: number }
    end: { fds: number; threads: number; rss: number }
  }
  const rssGrowthMb = (report.end.rss - report.base.rss) / 2 ** 20
  console.log(
    `${report.cycles} cycles, ${report.msPerCycle} ms each (${report.cyclesPerSecond}/s); after 200 -> end: fds ${report.base.fds} -> ${report.end.fds}, threads ${report.base.threads} -> ${report.end.threads}, RSS +${rssGrowthMb.toFixed(1)} MB`,
  )
  // at least 100 cycles after the first 200, or the growth says nothing
  expect(report.cycles).toBeGreaterThanOrEqual(300)
  expect(report.end.fds).toBeLessThanOrEqual(report.base.fds)
  expect(report.end.threads).toBeLessThanOrEqual(report.base.threads)
  expect(rssGrowthMb).toBeLessThan(5)
})
