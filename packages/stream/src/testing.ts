/**
 * The virtual loopback device, for testing your own audio code in CI
 * without a sound card: a private JACK dummy server plus a `loopback`
 * device that hears what it plays, bit-exactly, one period later.
 *
 * @example
 * ```ts
 * // vitest globalSetup
 * import { startVirtualDevice } from '@pastream/stream/testing'
 * let device
 * export async function setup() { device = await startVirtualDevice({ name: 'myapp-test' }) }
 * export async function teardown() { await device.stop() }
 * // in tests: open streams on device 'loopback' (findVirtualDevice().index)
 * ```
 *
 * And a small file system to fill up, for disk-full tests (needs root):
 *
 * ```ts
 * using disk = mountTmpfs({ sizeBytes: 1 << 20 })
 * disk.fill(64 * 1024) // then record into `${disk.path}/take.wav` until it is full
 * ```
 */
export {
  startVirtualDevice,
  findVirtualDevice,
  plugVirtualDevice,
  jackEnv,
  prng,
  mountTmpfs,
  retryWhenXruns,
  waitFor,
  type Tmpfs,
  type TmpfsOptions,
  type XrunCounter,
  type PluggedDevice,
  type VirtualDevice,
  type VirtualDeviceOptions,
} from '@pastream/core-native/testing'
