// mountTmpfs: a real tmpfs that fills up (ENOSPC at the size asked for),
// frees, unmounts; and its refusals say what is needed.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { mountTmpfs } from '../src/testing.js'

const MiB = 1024 * 1024

/** The mount table's line for `path`, or undefined. */
function mountLine(path: string): string | undefined {
  return readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .find((line) => line.split(' ')[1] === path)
}

/** Writes `bytes` to a new file under `dir`; the error code when the file system refuses. */
function tryWrite(dir: string, name: string, bytes: number): string | undefined {
  try {
    writeFileSync(join(dir, name), Buffer.alloc(bytes, 1))
    return undefined
  } catch (error) {
    return (error as { code?: string }).code
  }
}

describe('mountTmpfs', () => {
  it('mounts a tmpfs of the size asked for; fill() leaves what was asked, free() gives it back, unmount() removes it', () => {
    const disk = mountTmpfs({ sizeBytes: MiB })
    try {
      expect(mountLine(disk.path)).toMatch(/^pastream-tmpfs \S+ tmpfs .*size=1024k/)
      expect(disk.available()).toBe(MiB)
      disk.fill(256 * 1024)
      expect(disk.available()).toBe(256 * 1024)
      expect(tryWrite(disk.path, 'fits', 256 * 1024)).toBeUndefined()
      expect(tryWrite(disk.path, 'one-more', 1)).toBe('ENOSPC')
      disk.free()
      expect(disk.available()).toBeGreaterThanOrEqual(MiB - 256 * 1024 - 4096)
      disk.fill()
      expect(disk.available()).toBe(0)
      expect(tryWrite(disk.path, 'nothing-fits', 1)).toBe('ENOSPC')
    } finally {
      disk.unmount()
    }
    expect(mountLine(disk.path)).toBeUndefined()
    expect(existsSync(disk.path)).toBe(false)
    disk.unmount() // idempotent
  })

  it('refuses a bad size, and unmount() of a busy tmpfs says to close the files first', async () => {
    expect(() => mountTmpfs({ sizeBytes: 0 })).toThrow('Expected a positive integer for sizeBytes, got 0 (number)')
    expect(() => mountTmpfs({ sizeBytes: 1.5 })).toThrow('Expected a positive integer for sizeBytes, got 1.5 (number)')
    const disk = mountTmpfs({ sizeBytes: MiB })
    expect(() => disk.fill(-1)).toThrow('Expected an integer >= 0 for leaveBytes, got -1 (number)')
    // a process whose working directory is in the tmpfs keeps it busy until it exits
    const child = spawn('cat', [], { cwd: disk.path, stdio: ['pipe', 'ignore', 'ignore'] })
    await new Promise((resolve, reject) => child.once('spawn', resolve).once('error', reject))
    expect(() => disk.unmount()).toThrow(/^mountTmpfs: cannot unmount \S+: it said: .*busy.* \(close the files under it first\)$/)
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.stdin.end()
    await exited
    disk.unmount()
    expect(mountLine(disk.path)).toBeUndefined()
  })

  const script = (dist: string) =>
    `import('${dist}').then((m) => { m.mountTmpfs({ sizeBytes: 1048576 }).unmount(); process.exit(0) }, () => process.exit(9))
      .catch((e) => { console.error(e.message); process.exit(3) })`
  const dist = join(__dirname, '..', 'dist', 'testing.js')

  it('without root: an error that says what is needed, never a skip', () => {
    // the same process as nobody (uid 65534), without capabilities
    const result = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', process.execPath, '-e', script(dist)], {
      encoding: 'utf8',
      cwd: tmpdir(),
    })
    expect(result.stderr).toMatch(/^mountTmpfs: cannot mount a 1048576-byte tmpfs on \S+: it said: mount: .+\. The disk-full tests need a tmpfs: run them as root, or with CAP_SYS_ADMIN \(docker: --cap-add SYS_ADMIN, or --privileged\)\n$/)
    expect(result.status).toBe(3)
  })

  it('without the mount command: says where to get it', () => {
    const bin = mkdtempSync(join(tmpdir(), 'pastream-nomount-'))
    symlinkSync('/bin/sh', join(bin, 'sh'))
    const result = spawnSync(process.execPath, ['-e', script(dist)], { env: { PATH: bin }, encoding: 'utf8' })
    expect(result.stderr).toMatch(/^mountTmpfs: cannot mount .*: the command was not found \(it is in util-linux: on Debian\/Ubuntu `apt-get install mount`\)\. /)
    expect(result.status).toBe(3)
  })
})
