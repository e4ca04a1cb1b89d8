// `pastream loopback`: the virtual loopback device in the foreground, used
// by another `pastream` through the JACK server name it prints; Ctrl-C stops it.
import { afterAll, describe, expect, it } from 'vitest'
import { pastream, readSound, start, tempDir } from './helpers.js'

const temp = tempDir('loopback')
afterAll(() => temp.remove())

describe('pastream loopback', () => {
  it('serves a loopback device other processes record from, until SIGINT', async () => {
    const server = start(['loopback', '--name', 'pastream-test-cli-lb', '-c', '1', '--duration', '60'])
    let output = ''
    await new Promise<void>((resolve, reject) => {
      server.child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString()
        if (output.includes('pastream -D loopback')) resolve()
      })
      server.child.on('exit', () => reject(new Error(`pastream loopback exited early: ${output}`)))
    })
    expect(output).toContain("virtual loopback device 'loopback' (1 in, 1 out, 48000 Hz) on JACK server 'pastream-test-cli-lb'")
    expect(output).toContain('export JACK_DEFAULT_SERVER=pastream-test-cli-lb')

    const recording = await pastream(['null', temp.path('lb.wav'), '-D', 'loopback', '-n', '4800', '-q'], { env: { JACK_DEFAULT_SERVER: 'pastream-test-cli-lb' } })
    expect(recording.stderr).toBe('')
    expect(recording.code).toBe(0)
    expect(readSound(temp.path('lb.wav'))).toMatchObject({ frames: 4800, channels: 1 })

    server.child.kill('SIGINT')
    const result = await server.result
    expect(result.code).toBe(0)
    expect(result.stdout.toString()).toMatch(/stopped\n$/)
  })
})
