// The virtual loopback device for the examples' tests: its own server name.
import { startVirtualDevice, type VirtualDevice } from '@pastream/stream/testing'

let device: VirtualDevice | undefined

export async function setup(): Promise<void> {
  device = await startVirtualDevice({ name: 'pastream-test-dsp', channels: 2 })
}

export async function teardown(): Promise<void> {
  await device?.stop()
}
