// The virtual loopback device for this package's tests: its own server name
// (PASTREAM_TEST_SERVER picks another, so two runs can share a machine).
import { startVirtualDevice, type VirtualDevice } from '../src/testing.js'

let device: VirtualDevice | undefined

export async function setup(): Promise<void> {
  device = await startVirtualDevice({ name: process.env.PASTREAM_TEST_SERVER ?? 'pastream-test-stream', channels: 8 })
}

export async function teardown(): Promise<void> {
  await device?.stop()
}
