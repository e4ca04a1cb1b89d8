// JACK is loaded on demand (src/binding/jack_shim.c): on a machine without
// libjack the addon still loads, PortAudio initialises without a JACK host
// API and lists ALSA, and the virtual device says what to install. The
// machine without libjack is this one seen from a mount namespace of its own
// (unshare --mount, which needs root like mountTmpfs) in which /dev/null is
// bind-mounted over every libjack.so.0 the dynamic loader knows
// (ldconfig -p). The same child outside the namespace lists JACK: the test
// can fail. ALSA is loaded on demand too (PortAudio's PA_ALSA_DYNAMIC, with
// our patch): with libasound.so.2 hidden the same way, PortAudio still
// initialises and lists JACK.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..')

// Loads the workspace's addon and reports what PortAudio and the loader saw.
const childScript = `
const { readFileSync } = require('node:fs')
const core = require(${JSON.stringify(join(packageDir, 'dist', 'index.cjs'))})
const { pathToFileURL } = require('node:url')
const addon = require(core.locateAddon('pastream_core', pathToFileURL(${JSON.stringify(join(packageDir, 'dist', 'index.cjs'))}).href).path)
const names = core.hostApis().hostApis.map((api) => api.name)
const devices = core.devices().devices.map((device) => device.name)
let loopbackError = ''
if (process.argv[2] === 'loopback') {
  try {
    addon.loopbackOpen(process.env.JACK_DEFAULT_SERVER, 'pastream-no-jack', 2)
  } catch (error) {
    loopbackError = error.message
  }
}
const maps = readFileSync('/proc/self/maps', 'utf8')
console.log(JSON.stringify({ names, devices, libjack: maps.includes('libjack'), libasound: maps.includes('libasound'), loopbackError }))
`

interface ChildReport {
  names: string[]
  devices: string[]
  libjack: boolean
  libasound: boolean
  loopbackError: string
}

// Every path the dynamic loader would find `soname` at.
function libraryPaths(soname: string, install: string): string[] {
  // ldconfig lives in /sbin, which a non-login PATH may leave out
  const ldconfig = ['/sbin/ldconfig', '/usr/sbin/ldconfig'].find((path) => existsSync(path)) ?? 'ldconfig'
  const result = spawnSync(ldconfig, ['-p'], { encoding: 'utf8' })
  if (result.status !== 0) throw new Error(`${ldconfig} -p failed: ${result.error?.message ?? result.stderr}`)
  const paths = result.stdout
    .split('\n')
    .filter((line) => line.trim().startsWith(`${soname} `))
    .map((line) => line.split(' => ')[1]?.trim() ?? '')
    .filter(Boolean)
  if (paths.length === 0) throw new Error(`ldconfig -p lists no ${soname}: install ${install}, the control run needs it`)
  return paths
}

function runChild(script: string, args: string[], hide: string[]): ChildReport {
  const node = process.execPath
  const mounts = 'for lib in "$@"; do mount --bind /dev/null "$lib" || exit 97; done; exec "$0" --no-warnings'
  const command = hide.length > 0 ? 'unshare' : node
  const commandArgs = hide.length > 0 ? ['--mount', 'sh', '-c', `${mounts} "$SCRIPT" $CHILD_ARGS`, node, ...hide] : [script, ...args]
  const result = spawnSync(command, commandArgs, {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, SCRIPT: script, CHILD_ARGS: args.join(' ') },
  })
  if (result.error) throw new Error(`${command} could not run (${result.error.message}); unshare is util-linux's`)
  if (result.status === 97 || /unshare: /.test(result.stderr)) {
    throw new Error(`a mount namespace with libraries hidden needs root (or CAP_SYS_ADMIN): unshare --mount and mount --bind failed:\n${result.stderr}`)
  }
  if (result.status !== 0) throw new Error(`the child exited with ${result.status ?? result.signal}:\n${result.stdout}\n${result.stderr}`)
  const lines = result.stdout.trim().split('\n')
  return JSON.parse(lines[lines.length - 1] ?? '{}') as ChildReport
}

describe('JACK on demand', { timeout: 120_000 }, () => {
  let temp = ''
  let script = ''

  beforeAll(() => {
    expect(process.env.JACK_DEFAULT_SERVER, 'the virtual device global setup names the JACK server').toBeTruthy()
    temp = mkdtempSync(join(tmpdir(), 'pastream-no-jack-'))
    script = join(temp, 'child.cjs')
    writeFileSync(script, childScript)
  })
  afterAll(() => {
    if (temp) rmSync(temp, { recursive: true, force: true })
  })

  it('with libjack, the same child lists JACK and ALSA (the control)', () => {
    const report = runChild(script, [], [])
    expect(report.libjack).toBe(true)
    expect(report.libasound).toBe(true)
    expect(report.names).toContain('JACK Audio Connection Kit')
    expect(report.names).toContain('ALSA')
  })

  it('without libjack, the addon loads, PortAudio lists ALSA and no JACK, and the virtual device says what to install', () => {
    const report = runChild(script, ['loopback'], libraryPaths('libjack.so.0', 'JACK (Debian: jackd2)'))
    expect(report.libjack).toBe(false)
    expect(report.names).toEqual(['ALSA'])
    expect(report.loopbackError).toMatch(/^cannot load libjack\.so\.0 \(.+\); install JACK \(Debian: apt-get install jackd2\)$/)
  })

  it('without libasound, PortAudio still initialises: no ALSA host API, JACK and its devices are there', () => {
    const report = runChild(script, [], libraryPaths('libasound.so.2', 'ALSA (Debian: libasound2)'))
    expect(report.libasound).toBe(false)
    expect(report.names).toEqual(['JACK Audio Connection Kit'])
    expect(report.devices).toContain('loopback')
  })
})
