// Device names through the real `pastream`: a second virtual device server
// whose loopback device is named 'systém.lööp' (UTF-8, and a '.' that a
// regular expression would read as "any character") beside its 'system'
// device. -D takes a part of a name literally and case-insensitively; a part
// two names share is ambiguous; bytes that are not UTF-8 match nothing.
// (PortAudio's JACK host API finds the ports of a client by a regular
// expression built from its name, so a JACK client named with '(', '[' or
// '+' shows up with no channels at all: the names here avoid them.)
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startVirtualDevice, type VirtualDevice } from '@pastream/stream/testing'
import { bin, pastream, readSound, tempDir } from './helpers.js'

const NAME = 'systém.lööp'
const temp = tempDir('device-names')
let server: VirtualDevice

beforeAll(async () => {
  server = await startVirtualDevice({ name: `${process.env.PASTREAM_TEST_SERVER ?? 'pastream-test-cli'}-names`, deviceName: NAME, channels: 2, setEnv: false })
})

afterAll(async () => {
  await server?.stop()
  temp.remove()
})

const run = (device: string, output: string) => pastream(['null', output, '-D', device, '-n', '4800', '-q'], { cwd: temp.dir, env: server.env })

describe('-D: a literal, case-insensitive part of one device name', () => {
  it.each([
    ['the UTF-8 part', 'lööp'],
    ['the whole name in upper case', 'SYSTÉM.LÖÖP'],
    ["'.' as itself, which only this name has", '.'],
  ])('%s (%s) records from the device', async (_, device) => {
    const result = await run(device, 'take.wav')
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(readSound(temp.path('take.wav')).frames).toBe(4800)
  })

  it.each([
    ['a part two names share', 'syst', /^pastream: --device: Several input devices match "syst": \d+: system \(JACK Audio Connection Kit, 2 in, 2 out\); \d+: systém\.lööp \(JACK Audio Connection Kit, 2 in, 2 out\)\. Use an index or a longer name\npastream: 'pastream devices' lists them\n$/],
    ["'.' is no wildcard", 'sy.tem', /^pastream: --device: No input device matching "sy\.tem"\. input devices: \d+: system \(.*\); \d+: systém\.lööp \(.*\)\npastream: 'pastream devices' lists them\n$/],
    ['regex characters', 'lööp|system', /^pastream: --device: No input device matching "lööp\|system"\. input devices: /],
  ])('%s (%s): exit 3 and the candidates, no file', async (_, device, message) => {
    const result = await run(device, 'refused.wav')
    expect(result.stderr).toMatch(message)
    expect(result.code).toBe(3)
    expect(existsSync(temp.path('refused.wav'))).toBe(false)
  })

  it('a name in Latin-1 (not UTF-8) matches nothing; the message shows what arrived', () => {
    // bash passes the bytes as they are; node reads argv as UTF-8 and gets U+FFFD for each
    const script = `"${process.execPath}" "${bin}" null latin1.wav -D "$(printf 'l\\366\\366p')" -q; echo "exit $?" >&2`
    const { stderr } = spawnSync('bash', ['-c', script], { cwd: temp.dir, env: { ...process.env, ...server.env }, encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] })
    expect(stderr).toMatch(/^pastream: --device: No input device matching "l\uFFFD\uFFFDp"\. input devices: .*systém\.lööp/)
    expect(stderr).toMatch(/\nexit 3\n$/)
    expect(readdirSync(temp.dir)).not.toContain('latin1.wav')
  })
})
