// Starts the virtual loopback device once for the whole run and hands its
// server name to the test workers through the environment. Fails loudly when
// JACK is missing: device tests never skip. PASTREAM_TEST_SERVER picks
// another server name, so two runs can share a machine.
import { startVirtualDevice, type VirtualDevice } from '../src/testing.js'

let device: VirtualDevice | undefined

export async function setup(): Promise<void> {
  device = await startVirtualDevice({ name: process.env.PASTREAM_TEST_SERVER ?? 'pastream-test-core', channels: 8, period: 256, samplerate: 48000 })
  process.env.PASTREAM_TEST_LOOPBACK_CHANNELS = String(device.channels)
  process.env.PASTREAM_TEST_PERIOD = String(device.period)
}

export async function teardown(): Promise<void> {
  await device?.stop()
}
