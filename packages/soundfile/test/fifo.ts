// In-process pipes: a named FIFO with one end for the test and one for the
// SoundFile, opened so that neither open blocks (O_RDWR / O_NONBLOCK).
import { execFileSync } from 'node:child_process'
import { closeSync, constants, openSync, readSync, writeSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'

export function mkfifo(path: string): string {
  execFileSync('mkfifo', [path])
  return path
}

/**
 * A pipe to read from: returns the read end for the SoundFile and feeds
 * `bytes` into the write end from this thread, closing it at the end (EOF).
 */
export function pipeFrom(fifo: string, bytes: Uint8Array): { fd: number; done: Promise<void>; stop: () => void } {
  // O_RDWR opens a FIFO without waiting for a reader; then the reader opens at once
  const writer = openSync(fifo, constants.O_RDWR | constants.O_NONBLOCK)
  const fd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK)
  let stopped = false
  const done = (async () => {
    let offset = 0
    try {
      // the writer end is also a reader (O_RDWR): no EPIPE when the SoundFile gives up, so stop() ends this
      while (offset < bytes.length && !stopped) {
        try {
          offset += writeSync(writer, bytes, offset, Math.min(65536, bytes.length - offset))
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error
          await sleep(1)
        }
      }
    } finally {
      closeSync(writer)
    }
  })()
  return {
    fd,
    done,
    stop: () => {
      stopped = true
    },
  }
}

/**
 * A pipe to write to: returns the write end for the SoundFile and drains
 * the read end from this thread until every writer has closed it.
 */
export function pipeTo(fifo: string): { fd: number; received: () => Promise<Buffer> } {
  const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK)
  const fd = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK)
  const chunks: Buffer[] = []
  const drain = (async () => {
    const buffer = Buffer.alloc(65536)
    try {
      for (;;) {
        let n: number
        try {
          n = readSync(reader, buffer, 0, buffer.length, null)
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error
          await sleep(1)
          continue
        }
        if (n === 0) break // every writer closed
        chunks.push(Buffer.from(buffer.subarray(0, n)))
      }
    } finally {
      closeSync(reader)
    }
    return Buffer.concat(chunks)
  })()
  return {
    fd,
    // resolves once every writer closed fd: the SoundFile (closefd), or the test after a refusal
    received: () => drain,
  }
}
