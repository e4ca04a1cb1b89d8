/**
 * The virtual loopback device: audio tests without a sound card.
 *
 * Starts a private JACK server with its dummy backend, then a JACK client
 * named `loopback` that copies what it is played to what it captures. To
 * PortAudio (JACK host API) `loopback` is an ordinary device: a stream that
 * opens it hears its own output, bit-exactly, one JACK period later. Because
 * the wiring lives in the device, it survives stream stop/start and works for
 * any process that uses the server (`env` carries the server name to
 * children), such as a CLI under test.
 *
 * @example
 * ```ts
 * import { startVirtualDevice } from '@pastream/core-native/testing'
 * const device = await startVirtualDevice({ name: 'myapp-test' })
 * try {
 *   // open streams on device.device.index (input and output)
 * } finally {
 *   await device.stop()
 * }
 * ```
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { native, type NativeDevice, type NativeLoopbackHandle } from './binding.js'
import { HostApiType } from './native-stream.js'

export interface VirtualDeviceOptions {
  /** JACK server name; never `default`. Use one fixed name per purpose. Default `pastream-virtual`. */
  name?: string
  /** frames per second. Default 48000 */
  samplerate?: number
  /** JACK period in frames. Default 256 */
  period?: number
  /** loopback channels (and the dummy `system` device's). Default 8 */
  channels?: number
  /** device name of the loopback client. Default `loopback` */
  deviceName?: string
  /** ms to wait for the server to accept clients. Default 10000 */
  timeoutMs?: number
  /** Also set JACK_DEFAULT_SERVER etc. in this process's env (default true). */
  setEnv?: boolean
  /**
   * Run JACK with realtime scheduling (default true): its cycle, and the
   * clients' process threads (our callbacks), then run on time even on a busy
   * 2-core CI machine, where without it the dummy driver misses cycles
   * (xruns). Where the process may not use realtime scheduling, jackd says
   * so and runs without it.
   */
  realtime?: boolean
}

export interface VirtualDevice {
  serverName: string
  samplerate: number
  period: number
  channels: number
  /** the jackd process id */
  pid: number
  /** environment for child processes that should use this server */
  env: Record<string, string>
  /** the PortAudio device record of the loopback device */
  device: NativeDevice
  /** Closes the loopback client, SIGTERMs jackd and waits for it to exit. Idempotent. */
  stop(): Promise<void>
  /**
   * Fault injection: the device goes away. Sends jackd `signal` (SIGKILL: it
   * dies at once; SIGTERM: it shuts down and tells its clients) and resolves
   * once it is gone. Streams on it then end in `deviceLost`. `stop()` still
   * cleans up. jackd2 has 8 server slots and frees a SIGKILLed server's
   * only when a server of the same name starts: give servers you kill a
   * fixed name, not a new one per run.
   * @example
   * ```ts
   * await device.kill('SIGKILL')
   * await expect(stream.wait()).rejects.toThrow(DeviceLost)
   * ```
   */
  kill(signal?: 'SIGKILL' | 'SIGTERM'): Promise<void>
  /** Fault injection: the device hangs (SIGSTOP to jackd): it keeps its clients but calls none back. */
  pause(): void
  /** Ends {@link pause} (SIGCONT): the device calls back again. */
  resume(): void
}

const jackdHint =
  'jackd (JACK 2) is needed for the virtual loopback device: on Debian/Ubuntu run `apt-get install jackd2`'

/** Environment a process needs to use the named server (and never autostart one). */
export function jackEnv(serverName: string): Record<string, string> {
  return { JACK_DEFAULT_SERVER: serverName, JACK_NO_START_SERVER: '1' }
}

/** SIGTERMs jackd processes left over with this server name (e.g. after a SIGKILLed run). */
async function stopStaleServers(serverName: string): Promise<void> {
  const pids: number[] = []
  let entries: string[]
  try {
    entries = readdirSync('/proc')
  } catch {
    return
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue
    let argv: string[]
    try {
      argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0')
    } catch {
      continue
    }
    const isJackd = argv[0]?.endsWith('jackd') === true
    const nameAt = argv.indexOf('-n')
    if (isJackd && nameAt >= 0 && argv[nameAt + 1] === serverName) {
      try {
        process.kill(Number(entry), 'SIGTERM')
        pids.push(Number(entry))
      } catch {
        // already gone
      }
    }
  }
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0)
      return true
    } catch {
      return false
    }
  }
  for (let waited = 0; pids.some(alive) && waited < 3000; waited += 50) await sleep(50)
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => child.once('exit', () => resolve()))
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/**
 * Starts the virtual loopback device and waits until it accepts clients.
 * @throws Error naming what to install when jackd is missing, or with
 *   jackd's own output when it cannot start.
 */
export async function startVirtualDevice(options: VirtualDeviceOptions = {}): Promise<VirtualDevice> {
  const serverName = options.name ?? 'pastream-virtual'
  if (serverName === 'default') throw new RangeError('Expected a private server name for name, got "default"')
  const samplerate = options.samplerate ?? 48000
  const period = options.period ?? 256
  const channels = options.channels ?? 8
  const deviceName = options.deviceName ?? 'loopback'
  const timeoutMs = options.timeoutMs ?? 10000

  await stopStaleServers(serverName)
  const env = jackEnv(serverName)
  const scheduling = options.realtime === false ? ['--no-realtime'] : ['--realtime', '--realtime-priority', '70']
  const args = ['-n', serverName, ...scheduling, '-d', 'dummy', '-r', String(samplerate), '-p', String(period)]
  args.push('-C', String(channels), '-P', String(channels))
  // A watchdog shell owns jackd: when our stdin pipe closes (we exit, crash
  // or are killed), it SIGTERMs jackd and waits for it, so no server outlives us.
  // jackd writes to a file, never to a pipe: one nobody drains (this thread
  // busy in synchronous JACK calls) fills up with its xrun lines and blocks
  // the server, and with it every client.
  const logDir = mkdtempSync(join(tmpdir(), 'pastream-jackd-'))
  const log = join(logDir, 'jackd.log')
  const script = 'jackd "$@" </dev/null >"$PASTREAM_JACKD_LOG" 2>&1 & j=$!; echo "$j"; cat >/dev/null; kill -TERM "$j" 2>/dev/null; wait "$j"'
  const child = spawn('sh', ['-c', script, 'pastream-jackd', ...args], {
    env: { ...process.env, ...env, PASTREAM_JACKD_LOG: log },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let shellOutput = ''
  child.stderr?.on('data', (chunk: Buffer) => (shellOutput += chunk.toString()))
  let logText = '' // the log's last contents (stop() removes it)
  const jackdOutput = () => {
    try {
      logText = readFileSync(log, 'utf8')
    } catch {
      // not written yet, or removed
    }
    return `${shellOutput}${logText}`.trim()
  }
  const pid = await new Promise<number>((resolve, reject) => {
    let first = ''
    child.stdout?.on('data', (chunk: Buffer) => {
      if (first.includes('\n')) {
        shellOutput += chunk.toString()
        return
      }
      first += chunk.toString()
      const line = first.split('\n')[0] ?? ''
      if (first.includes('\n')) resolve(Number(line))
    })
    child.once('error', (error) => reject(new Error(`cannot start the JACK watchdog shell: ${error.message}`)))
    child.once('exit', () => reject(new Error(`jackd exited at once. ${jackdHint}. Output: ${jackdOutput()}`)))
  })
  const jackdAlive = () => {
    try {
      process.kill(pid, 0)
      return true
    } catch {
      return false
    }
  }

  let stopped = false
  const onExit = () => {
    // synchronous last resort: the watchdog also notices our stdin closing
    try {
      process.kill(pid, 'SIGTERM')
    } catch {
      // gone
    }
  }
  process.once('exit', onExit)
  let loopback: NativeLoopbackHandle | undefined
  // kill() took the server away: libjack may crash closing a client of a
  // dead server (it does once an ALSA jack PCM was open), so that client is
  // left to the process's end
  let killed = false
  const stop = async () => {
    if (stopped) return
    stopped = true
    process.removeListener('exit', onExit)
    // PortAudio is kept initialised between streams: let go of its client
    // of this server while the server lives (PortAudio cannot terminate
    // once its JACK server is gone, and could not see another one then)
    if (!killed) resetPortAudioIfIdle()
    if (loopback && !killed) native().loopbackClose(loopback)
    try {
      process.kill(pid, 'SIGTERM')
    } catch {
      // already gone
    }
    child.stdin?.end() // the watchdog then waits for jackd and exits
    const done = exited(child)
    const timer = setTimeout(() => {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        // gone
      }
    }, 5000)
    await done
    clearTimeout(timer)
    jackdOutput()
    rmSync(logDir, { recursive: true, force: true })
  }

  const deadline = Date.now() + timeoutMs
  let lastError = ''
  for (;;) {
    if (!jackdAlive()) {
      await stop()
      const missing = /not found|No such file/.test(jackdOutput())
      throw new Error(`${missing ? jackdHint : 'jackd could not start'}. jackd said: ${jackdOutput() || '(nothing)'}`)
    }
    try {
      loopback = native().loopbackOpen(serverName, deviceName, channels).handle
      break
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error)
    }
    if (Date.now() > deadline) {
      await stop()
      throw new Error(`JACK server '${serverName}' did not accept clients within ${timeoutMs} ms: ${lastError}. jackd said: ${jackdOutput()}`)
    }
    await sleep(50)
  }

  // PortAudio's JACK host API reads JACK_DEFAULT_SERVER when it initialises
  const saved = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]))
  Object.assign(process.env, env)
  let device: NativeDevice | undefined
  try {
    // PortAudio read its devices at its first use and kept them: read again
    resetPortAudioIfIdle()
    device = native()
      .devices()
      .devices.find((d) => d.hostApiType === HostApiType.jack && d.name === deviceName)
  } finally {
    if (options.setEnv === false) {
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key]
        else process.env[key] = value
      }
    }
  }
  if (!device) {
    await stop()
    throw new Error(`the JACK server '${serverName}' runs, but PortAudio lists no JACK device named '${deviceName}'. Is PortAudio built with JACK support?`)
  }
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(pid, name)
    } catch {
      // gone
    }
  }
  const kill = async (name: 'SIGKILL' | 'SIGTERM' = 'SIGKILL') => {
    killed = true
    signal(name)
    // jackd stays a zombie until the watchdog shell reaps it at stop()
    while (processAlive(pid)) await sleep(10)
  }
  return { serverName, samplerate, period, channels, pid, env, device, stop, kill, pause: () => signal('SIGSTOP'), resume: () => signal('SIGCONT') }
}

/**
 * Lets go of PortAudio unless a stream holds it (then the device list stays
 * as it was read, and the caller's check of it says so), so that its next
 * use reads the devices afresh.
 */
function resetPortAudioIfIdle(): void {
  try {
    native().paReset()
  } catch {
    // in use by a stream, or kept after a lost server: nothing to do here
  }
}

/** The process runs (a zombie, dead but not yet reaped, does not). */
function processAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z'
  } catch {
    return false
  }
}

/** A device plugged in by {@link plugVirtualDevice}. */
export interface PluggedDevice {
  /** its name as PortAudio lists it (after a device refresh) */
  name: string
  /** takes it away again (streams open on it should be closed first) */
  unplug(): void
}

/**
 * Plugs a device into a running JACK server, as a sound card plugged into
 * a machine: a loopback client named `name` (what it is played it
 * captures), which PortAudio lists as a JACK device once it reads the
 * devices again. For testing hot-plugging (`refreshDevices()`).
 * @param options.serverName the JACK server (default: JACK_DEFAULT_SERVER,
 *   the virtual device a global setup started)
 * @throws Error when the server does not accept the client
 * @example
 * ```ts
 * const card = plugVirtualDevice('usb-card')
 * refreshDevices() // lists 'usb-card'
 * card.unplug()
 * ```
 */
export function plugVirtualDevice(name: string, options: { serverName?: string; channels?: number } = {}): PluggedDevice {
  const serverName = options.serverName ?? process.env.JACK_DEFAULT_SERVER
  if (!serverName) throw new Error('plugVirtualDevice: no JACK server named (serverName, or JACK_DEFAULT_SERVER)')
  const { handle } = native().loopbackOpen(serverName, name, options.channels ?? 2)
  let plugged = true
  return {
    name,
    unplug: () => {
      if (plugged) native().loopbackClose(handle)
      plugged = false
    },
  }
}

/**
 * Finds the virtual device started by another process (e.g. a test runner's
 * global setup) from the environment: `JACK_DEFAULT_SERVER` and the device name.
 * @throws Error when the device is not listed.
 */
export function findVirtualDevice(deviceName = 'loopback'): NativeDevice {
  const list = native().devices().devices
  const device = list.find((d) => d.hostApiType === HostApiType.jack && d.name === deviceName)
  if (!device) {
    const names = list.map((d) => `${d.index}: ${d.name} (${d.hostApiName})`).join('; ') || 'none'
    throw new Error(
      `virtual loopback device '${deviceName}' not found on JACK server '${process.env.JACK_DEFAULT_SERVER ?? '(unset)'}'. Devices: ${names}`,
    )
  }
  return device
}

/**
 * mulberry32: a small seeded PRNG for deterministic test signals, so a
 * failing test reproduces. Returns numbers uniform in [0, 1).
 * @example
 * ```ts
 * const random = prng(42)
 * const noise = Float32Array.from({ length: 480 }, () => random() * 2 - 1)
 * ```
 */
export function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
export { mountTmpfs, type Tmpfs, type TmpfsOptions } from './testing-tmpfs.js'
export { indexRun, indexSignal } from './testing-signals.js'
export { retryWhenXruns, waitFor, type XrunCounter } from './testing-waits.js'
