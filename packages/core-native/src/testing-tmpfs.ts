/**
 * A small file system to fill up: disk-full tests without a real disk.
 *
 * Mounts a private tmpfs of a given size (`mount -t tmpfs -o size=...`) on a
 * fresh directory, lets a test fill it (a filler file) until only so many
 * bytes are free, and unmounts it. Mounting needs root (or CAP_SYS_ADMIN);
 * where that is missing, {@link mountTmpfs} throws an error that says so:
 * a disk-full test never passes by skipping. A tmpfs still mounted when the
 * process exits is lazily unmounted then.
 *
 * @example
 * ```ts
 * import { mountTmpfs } from '@pastream/core-native/testing'
 * const disk = mountTmpfs({ sizeBytes: 1024 * 1024 })
 * try {
 *   disk.fill(64 * 1024) // 64 KiB left: the next big write fails with ENOSPC
 *   // record into `${disk.path}/out.wav` ...
 * } finally {
 *   disk.unmount()
 * }
 * ```
 */
import { execFileSync } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, rmdirSync, rmSync, statfsSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** Options of {@link mountTmpfs}. */
export interface TmpfsOptions {
  /** the file system's size in bytes (the kernel rounds it up to whole pages); a positive integer */
  sizeBytes: number
  /** the mount point's name starts with this, in the OS temp directory. Default `pastream-tmpfs-` */
  prefix?: string
}

/** A mounted tmpfs, from {@link mountTmpfs}. */
export interface Tmpfs {
  /** the mount point: create files under it */
  readonly path: string
  /** the size asked for, in bytes */
  readonly sizeBytes: number
  /** bytes free for new data now (statfs: free blocks times the block size) */
  available(): number
  /**
   * Writes a filler file (`.fill` under {@link path}) until at most
   * `leaveBytes` are free (rounded down to whole blocks; default 0: the
   * file system is full, the next write of a byte fails with ENOSPC).
   * Calling it again fills further.
   * @throws RangeError when leaveBytes is not an integer >= 0
   */
  fill(leaveBytes?: number): void
  /** Removes the filler file: the space it held is free again. Idempotent. */
  free(): void
  /**
   * Unmounts the file system and removes the mount point. Idempotent.
   * @throws Error when a file under it is still open (`umount` says the target is busy)
   */
  unmount(): void
  /** `using disk = mountTmpfs(...)` unmounts at scope end */
  [Symbol.dispose](): void
}

const FILLER = '.fill'

/** Mount points this process mounted and has not unmounted yet. */
const mounted = new Set<string>()

/** At exit (synchronous, best effort): detach what is still mounted, so no tmpfs outlives the tests. */
function unmountLeftovers(): void {
  for (const path of mounted) {
    try {
      execFileSync('umount', ['-l', path], { stdio: 'ignore' })
      rmdirSync(path)
    } catch {
      // the exit goes on; the kernel frees a detached tmpfs with its last user
    }
  }
  mounted.clear()
}

function commandError(error: unknown): string {
  const failure = error as { code?: unknown; stderr?: unknown; message?: unknown }
  if (failure.code === 'ENOENT') return 'the command was not found (it is in util-linux: on Debian/Ubuntu `apt-get install mount`)'
  const text = Buffer.isBuffer(failure.stderr) ? failure.stderr.toString() : typeof failure.stderr === 'string' ? failure.stderr : ''
  // its first line says why (the next one points at dmesg)
  const said = (text.trim().split('\n')[0] ?? '').replace(/\.$/, '')
  return said !== '' ? `it said: ${said}` : String(failure.message)
}

/**
 * Mounts a tmpfs of `sizeBytes` on a new directory in the OS temp directory.
 *
 * @throws RangeError when sizeBytes is not a positive integer; Error when
 *   the mount fails, saying what it needs: root or CAP_SYS_ADMIN (in a
 *   container: `--cap-add SYS_ADMIN`) and the `mount` command
 * @example
 * ```ts
 * using disk = mountTmpfs({ sizeBytes: 1 << 20 })
 * disk.fill()                        // full
 * await SoundFile.open(`${disk.path}/x.wav`, { mode: 'w', samplerate: 48000, channels: 2 }) // rejects: disk full
 * ```
 */
export function mountTmpfs(options: TmpfsOptions): Tmpfs {
  if (options === null || typeof options !== 'object') throw new TypeError(`Expected an options object, got ${String(options)} (${typeof options})`)
  const { sizeBytes } = options
  if (typeof sizeBytes !== 'number' || !Number.isSafeInteger(sizeBytes) || sizeBytes <= 0) {
    throw new RangeError(`Expected a positive integer for sizeBytes, got ${String(sizeBytes)} (${typeof sizeBytes})`)
  }
  const path = mkdtempSync(join(tmpdir(), options.prefix ?? 'pastream-tmpfs-'))
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes},mode=0755`, 'pastream-tmpfs', path], { stdio: ['ignore', 'ignore', 'pipe'] })
  } catch (error) {
    rmdirSync(path)
    throw new Error(
      `mountTmpfs: cannot mount a ${sizeBytes}-byte tmpfs on ${path}: ${commandError(error)}. ` +
        'The disk-full tests need a tmpfs: run them as root, or with CAP_SYS_ADMIN (docker: --cap-add SYS_ADMIN, or --privileged)',
    )
  }
  if (mounted.size === 0) process.once('exit', unmountLeftovers)
  mounted.add(path)
  const filler = join(path, FILLER)
  let unmounted = false

  const available = (): number => {
    const stats = statfsSync(path)
    return stats.bavail * stats.bsize
  }

  const fill = (leaveBytes = 0): void => {
    if (!Number.isSafeInteger(leaveBytes) || leaveBytes < 0) {
      throw new RangeError(`Expected an integer >= 0 for leaveBytes, got ${String(leaveBytes)} (${typeof leaveBytes})`)
    }
    const block = statfsSync(path).bsize
    let left = Math.floor(Math.max(0, available() - leaveBytes) / block) * block
    const zeros = Buffer.alloc(64 * 1024)
    const fd = openSync(filler, 'a')
    try {
      // full (leaveBytes 0): write until the file system says no
      while (leaveBytes === 0 || left > 0) {
        const n = leaveBytes === 0 ? zeros.length : Math.min(left, zeros.length)
        try {
          left -= writeSync(fd, zeros, 0, n)
        } catch (error) {
          if ((error as { code?: unknown }).code === 'ENOSPC') break
          throw error
        }
      }
    } finally {
      closeSync(fd)
    }
  }

  const unmount = (): void => {
    if (unmounted) return
    try {
      execFileSync('umount', [path], { stdio: ['ignore', 'ignore', 'pipe'] })
    } catch (error) {
      throw new Error(`mountTmpfs: cannot unmount ${path}: ${commandError(error)} (close the files under it first)`)
    }
    unmounted = true
    mounted.delete(path)
    if (mounted.size === 0) process.removeListener('exit', unmountLeftovers)
    rmdirSync(path)
  }

  return {
    path,
    sizeBytes,
    available,
    fill,
    free: () => rmSync(filler, { force: true }),
    unmount,
    [Symbol.dispose]: unmount,
  }
}
