// oclif plugins: `pastream plugins link DIR` adds a plugin's commands; the
// fixture plugin (test/fixtures/hello-plugin) adds `pastream hello`. The
// plugin list lives in a temporary data directory.
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { pastream, tempDir } from './helpers.js'

const temp = tempDir('plugins')
afterAll(() => temp.remove())
const env = { PASTREAM_DATA_DIR: temp.path('data'), PASTREAM_CACHE_DIR: temp.path('cache'), PASTREAM_CONFIG_DIR: temp.path('config') }
const fixture = fileURLToPath(new URL('./fixtures/hello-plugin', import.meta.url))

describe('plugins', () => {
  it('links a plugin, runs its command, lists it, unlinks it', async () => {
    const before = await pastream(['hello'], { env, cwd: temp.dir })
    // not a command yet: 'hello' is taken as a file to play
    expect(before.code).toBe(4)
    expect(before.stderr).toContain("pastream: Error opening 'hello'")

    const link = await pastream(['plugins', 'link', fixture, '--no-install'], { env })
    expect(link.code).toBe(0)

    const hello = await pastream(['hello', '--name', 'tester'], { env })
    expect(hello.stderr).toBe('')
    expect(hello.stdout.toString()).toBe('hello tester from a pastream plugin\n')
    expect(hello.code).toBe(0)

    const list = await pastream(['plugins'], { env })
    expect(list.stdout.toString()).toContain(`pastream-plugin-hello 1.0.0 (link) ${fixture}`)

    const unlink = await pastream(['plugins', 'unlink', 'pastream-plugin-hello'], { env })
    expect(unlink.code).toBe(0)
    const after = await pastream(['hello'], { env, cwd: temp.dir })
    expect(after.code).toBe(4)
  })
})
