// fast-start answers `--version`, `-l` and `devices [--json]` without
// oclif. Its answers must be oclif's own, byte for byte: each is compared
// with test/fixtures/oclif-run.mjs (bin/run.js as it was, oclif alone). A
// preloaded fixture records what the process loaded, to show fast-start
// was taken; a linked plugin with an init hook sends the same command
// lines back to oclif, so the hook still runs.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { pastream, tempDir, type Result } from './helpers.js'

const temp = tempDir('fast-start')
afterAll(() => temp.remove())
const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))
const oclif = fixture('oclif-run.mjs')
// the user's own plugins, theme and debug settings stay out of the runs
const env = { PASTREAM_DATA_DIR: temp.path('data'), PASTREAM_CACHE_DIR: temp.path('cache'), PASTREAM_CONFIG_DIR: temp.path('config') }

/** `pastream ...args` with the modules it loaded (CommonJS and addons). */
async function traced(args: readonly string[], extraEnv: Record<string, string> = {}): Promise<Result & { loaded: string[] }> {
  const loadedPath = temp.path(`loaded-${args.join('_')}.json`)
  const result = await pastream(args, { env: { ...env, ...extraEnv, NODE_OPTIONS: `--require ${fixture('loaded-modules.cjs')}`, PASTREAM_TEST_LOADED: loadedPath } })
  return { ...result, loaded: JSON.parse(readFileSync(loadedPath, 'utf8')) as string[] }
}

const loadedOclif = (loaded: string[]): boolean => loaded.some((path) => path.includes('@oclif/core'))
const loadedAddon = (loaded: string[]): boolean => loaded.some((path) => path.endsWith('.node'))

describe('fast-start', () => {
  it('--version: oclif\'s answer, with neither oclif nor an addon loaded', async () => {
    for (const args of [['--version'], ['--version', 'anything', '-l']]) {
      const fast = await traced(args)
      expect(fast.stdout.toString()).toMatch(/^@pastream\/cli\/\d+\.\d+\.\d+ linux-x64 node-v\d+\.\d+\.\d+\n$/)
      expect(loadedOclif(fast.loaded)).toBe(false)
      expect(loadedAddon(fast.loaded)).toBe(false)
      const reference = await pastream(args, { env, script: oclif })
      expect({ stdout: fast.stdout.toString(), stderr: fast.stderr, code: fast.code }).toEqual({ stdout: reference.stdout.toString(), stderr: reference.stderr, code: reference.code })
    }
  })

  it('-l, --list and devices, with --json too: oclif\'s answers, without oclif', async () => {
    const forms = [['-l'], ['--list'], ['-l', '--json'], ['--list', '--json'], ['devices'], ['devices', '--json']]
    for (const args of forms) {
      const fast = await traced(args)
      expect(loadedOclif(fast.loaded)).toBe(false)
      expect(fast.stdout.toString()).toContain('loopback')
      const reference = await pastream(args, { env, script: oclif })
      expect({ args, stdout: fast.stdout.toString(), stderr: fast.stderr, code: fast.code }).toEqual({ args, stdout: reference.stdout.toString(), stderr: reference.stderr, code: reference.code })
    }
  })

  it('without a JACK server: the same (empty) list as oclif prints', async () => {
    const noServer = { ...env, JACK_DEFAULT_SERVER: 'pastream-test-no-such-server' }
    for (const args of [['-l'], ['devices', '--json']]) {
      const fast = await pastream(args, { env: noServer })
      const reference = await pastream(args, { env: noServer, script: oclif })
      expect({ args, stdout: fast.stdout.toString(), stderr: fast.stderr, code: fast.code }).toEqual({ args, stdout: reference.stdout.toString(), stderr: reference.stderr, code: reference.code })
    }
  })

  it('other command lines, DEBUG and PASTREAM_CONTENT_TYPE go to oclif', async () => {
    expect(loadedOclif((await traced(['devices', '--formats'])).loaded)).toBe(true)
    expect(loadedOclif((await traced(['-h'])).loaded)).toBe(true)
    const debug = await traced(['--version'], { DEBUG: 'pastream:nothing' })
    expect(loadedOclif(debug.loaded)).toBe(true)
    const contentType = await traced(['-l'], { PASTREAM_CONTENT_TYPE: 'json' })
    expect(loadedOclif(contentType.loaded)).toBe(true)
    // PASTREAM_CONTENT_TYPE=json makes oclif print the listing as JSON
    expect(JSON.parse(contentType.stdout.toString())).toMatchObject({ devices: expect.any(Array) })
  })

  it("a linked plugin's init hook still runs before --version and -l", async () => {
    const link = await pastream(['plugins', 'link', fixture('hook-plugin'), '--no-install'], { env })
    expect(link.code).toBe(0)
    try {
      for (const args of [['--version'], ['-l'], ['devices', '--json']]) {
        const run = await traced(args)
        expect(run.stderr).toBe('pastream-plugin-hook: init\n')
        expect(run.code).toBe(0)
        expect(loadedOclif(run.loaded)).toBe(true)
      }
    } finally {
      const unlink = await pastream(['plugins', 'unlink', 'pastream-plugin-hook'], { env })
      expect(unlink.code).toBe(0)
    }
    // unlinked: an empty plugin list, fast-start again
    expect(loadedOclif((await traced(['--version'])).loaded)).toBe(false)
  })
})
