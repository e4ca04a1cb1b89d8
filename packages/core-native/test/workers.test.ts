// The addon loaded in 50 Worker threads one after another (the main thread
// never loads it), each streaming a little on the loopback device, then
// ending with its stream closed, left open, or still running
// (fixtures/workers.mjs in a child process): no crash (the addon is never
// unloaded while its threads run: -z nodelete), and the process does not
// grow with the Workers.
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { expect, test } from 'vitest'

const script = fileURLToPath(new URL('./fixtures/workers.mjs', import.meta.url))

interface Measure {
  rss: number
  threads: number
  fds: number
}

test('50 Workers streaming one after another: no crash, no growth in RSS, threads or descriptors', { timeout: 300000 }, async () => {
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(process.execPath, [script, '50'], { timeout: 290000 }, (error, out, stderr) => {
      if (error) reject(new Error(`${error.message}(exit code ${String(error.code)}, signal ${String(error.signal)})\nstdout: ${out}\nstderr: ${stderr}`))
      else resolve(out)
    })
  })
  const report = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { workers: number; ms: number; before: Measure; afterTen: Measure; after: Measure }
  const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(1)
  console.log(
    `${report.workers} Workers in ${report.ms} ms; RSS ${mb(report.before.rss)} -> ${mb(report.afterTen.rss)} (10) -> ${mb(report.after.rss)} MB (50); threads ${report.before.threads} -> ${report.afterTen.threads} -> ${report.after.threads}; fds ${report.before.fds} -> ${report.afterTen.fds} -> ${report.after.fds}`,
  )
  expect(report.workers).toBe(50)
  // 40 more Workers after the first 10: generous bounds (V8 and malloc keep some memory)
  expect(report.after.rss - report.afterTen.rss).toBeLessThan(20 * 2 ** 20)
  expect(report.after.threads).toBeLessThanOrEqual(report.afterTen.threads)
  expect(report.after.fds).toBeLessThanOrEqual(report.afterTen.fds + 2)
  // the addon keeps the watchdog's thread, and PortAudio stays initialised
  // between streams with its JACK client's threads (measured: 4 in all)
  expect(report.after.threads).toBeLessThanOrEqual(report.before.threads + 4)
})
