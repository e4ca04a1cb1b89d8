// The virtual loopback device for the CLI's tests: its own server name
// (PASTREAM_TEST_SERVER picks another, so two runs can share a machine). The
// JACK variables it sets are inherited by the test workers and by every
// `pastream` they start.
import { startVirtualDevice, type VirtualDevice } from '@pastream/stream/testing'

let device: VirtualDevice | undefined

export async function setup(): Promise<void> {
  device = await startVirtualDevice({ name: process.env.PASTREAM_TEST_SERVER ?? 'pastream-test-cli', channels: 2 })
}

export async function teardown(): Promise<void> {
  await device?.stop()
}
