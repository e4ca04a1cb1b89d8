// Channel maps on the virtual loopback device: seeded random permutations of
// output and input channels, as arrays and as {from: to} objects, checked
// bit-exactly per channel after the loopback delay.
import { describe, expect, it } from 'vitest'
import { DEVICE, expectLoopback, firstDifference, isSilent, noise, permutation, prng, randomInt } from '../test/helpers.js'
import { DuplexStream, normalizeMap } from './index.js'

/** Channel c (0-based) of interleaved int16 frames. */
function channel(data: Int16Array, channels: number, c: number): Int16Array {
  const out = new Int16Array(data.length / channels)
  for (let i = 0; i < out.length; i++) out[i] = data[i * channels + c] as number
  return out
}

/**
 * Plays `signal` (txChannels wide) on an 8-channel duplex stream with the
 * maps set, records rxChannels, and returns the recording split by channel
 * plus the delay found on `probe` (a recorded channel that carries data
 * channel `probeFrom`).
 */
async function run(options: {
  txChannels: number
  rxChannels: number
  txmapping?: readonly number[] | Record<number, number>
  rxmapping?: readonly number[] | Record<number, number>
  seed: number
  frames?: number
}) {
  const frames = options.frames ?? 3000
  await using stream = new DuplexStream({ device: DEVICE, channels: 8, dtype: 'int16', blocksize: 256 })
  if (options.txmapping) stream.txmapping = options.txmapping
  if (options.rxmapping) stream.rxmapping = options.rxmapping
  const signal = noise('int16', frames, options.txChannels, options.seed)
  const recording = await stream.playrec(signal, { pad: 1024 })
  expect(recording.length).toBe((frames + 1024) * options.rxChannels)
  const got = Array.from({ length: options.rxChannels }, (_, c) => channel(recording, options.rxChannels, c))
  const sent = Array.from({ length: options.txChannels }, (_, c) => channel(signal, options.txChannels, c))
  return { got, sent, frames }
}

describe('txmapping', () => {
  const random = prng(2024)
  for (let trial = 0; trial < 3; trial++) {
    const txChannels = randomInt(random, 2, 8)
    // a random permutation of data channels over a random choice of output channels
    const outputs = permutation(random, 8).slice(0, txChannels)
    const data = permutation(random, txChannels)
    const txmapping = new Array<number>(8).fill(0)
    outputs.forEach((out, k) => (txmapping[out - 1] = data[k] as number))
    it(`${txChannels} data channels to outputs ${JSON.stringify(txmapping)} (seeded)`, async () => {
      const { got, sent } = await run({ txChannels, rxChannels: 8, txmapping, seed: 100 + trial })
      // find the delay on the first mapped output
      const first = outputs[0] as number
      const delay = expectLoopback(got[first - 1] as Int16Array, sent[(txmapping[first - 1] as number) - 1] as Int16Array, 2, `output ${first}`)
      for (let out = 1; out <= 8; out++) {
        const from = txmapping[out - 1] as number
        const back = (got[out - 1] as Int16Array).subarray(delay)
        if (from === 0) expect(isSilent(back), `output ${out} is unmapped`).toBe(true)
        else expect(firstDifference(back.subarray(0, 3000), sent[from - 1] as Int16Array), `output ${out} <- data ${from}`).toBe(-1)
      }
    })
  }

  it('one data channel to output channel 2 only', async () => {
    const { got, sent } = await run({ txChannels: 1, rxChannels: 8, txmapping: [0, 1, 0, 0, 0, 0, 0, 0], seed: 7 })
    expectLoopback(got[1] as Int16Array, sent[0] as Int16Array, 2, 'output 2')
    for (const c of [0, 2, 3, 4, 5, 6, 7]) expect(isSilent(got[c] as Int16Array), `output ${c + 1}`).toBe(true)
  })

  it('object form {from: to}: data channel 1 to output 2, data channel 2 to output 5', async () => {
    const { got, sent } = await run({ txChannels: 2, rxChannels: 8, txmapping: { 1: 2, 2: 5 }, seed: 9 })
    const delay = expectLoopback(got[1] as Int16Array, sent[0] as Int16Array, 2, 'output 2')
    expect(firstDifference((got[4] as Int16Array).subarray(delay, delay + 3000), sent[1] as Int16Array)).toBe(-1)
    for (const c of [0, 2, 3, 5, 6, 7]) expect(isSilent(got[c] as Int16Array), `output ${c + 1}`).toBe(true)
  })
})

describe('rxmapping', () => {
  const random = prng(77)
  for (let trial = 0; trial < 3; trial++) {
    const rxChannels = randomInt(random, 1, 8)
    const rxmapping = permutation(random, 8).slice(0, rxChannels)
    it(`records inputs ${JSON.stringify(rxmapping)} as channels 1..${rxChannels} (seeded)`, async () => {
      // 8 distinct data channels on the 8 outputs, so each input is identifiable
      const { got, sent } = await run({ txChannels: 8, rxChannels, rxmapping, seed: 200 + trial })
      const delay = expectLoopback(got[0] as Int16Array, sent[(rxmapping[0] as number) - 1] as Int16Array, 2, 'recorded channel 1')
      rxmapping.forEach((input, k) => {
        const back = (got[k] as Int16Array).subarray(delay, delay + 3000)
        expect(firstDifference(back, sent[input - 1] as Int16Array), `recorded channel ${k + 1} <- input ${input}`).toBe(-1)
      })
    })
  }

  it('object form {from: to}: input 3 recorded as channel 1, input 1 as channel 2', async () => {
    const { got, sent } = await run({ txChannels: 8, rxChannels: 2, rxmapping: { 3: 1, 1: 2 }, seed: 11 })
    const delay = expectLoopback(got[0] as Int16Array, sent[2] as Int16Array, 2, 'recorded channel 1')
    expect(firstDifference((got[1] as Int16Array).subarray(delay, delay + 3000), sent[0] as Int16Array)).toBe(-1)
  })

  it('tx and rx maps together: a seeded permutation there and back is the identity', async () => {
    const random2 = prng(5)
    const p = permutation(random2, 8)
    // output k+1 plays data channel p[k]; record input j as channel (data channel at input j)
    const inverse = new Array<number>(8).fill(0)
    p.forEach((from, k) => (inverse[from - 1] = k + 1))
    const { got, sent } = await run({ txChannels: 8, rxChannels: 8, txmapping: p, rxmapping: inverse, seed: 13 })
    const delay = expectLoopback(got[0] as Int16Array, sent[0] as Int16Array, 2, 'channel 1')
    for (let c = 0; c < 8; c++) expect(firstDifference((got[c] as Int16Array).subarray(delay, delay + 3000), sent[c] as Int16Array), `channel ${c + 1}`).toBe(-1)
  })
})

describe('map validation', () => {
  it('normalises objects and checks entries', () => {
    expect(normalizeMap('txmapping', { 1: 2 }, 4)).toEqual([0, 1, 0, 0])
    expect(normalizeMap('rxmapping', { 3: 1, 1: 2 })).toEqual([3, 1])
    expect(() => normalizeMap('txmapping', { 1: 5 }, 4)).toThrow('Expected destination channels in [1, 4] for txmapping, got 5')
    expect(() => normalizeMap('txmapping', [1, -1])).toThrow('Expected an integer >= 0 for txmapping[1], got -1 (number)')
    expect(() => normalizeMap('txmapping', 'abc' as unknown as number[])).toThrow('Expected an array or an object {from: to} for txmapping, got abc (string)')
    expect(() => normalizeMap('rxmapping', [2, 0, 2])).toThrow('Expected each channel at most once in rxmapping, got 2 twice')
  })

  it('a map naming a channel twice, of the wrong length or beyond the inputs is refused when set', async () => {
    await using stream = new DuplexStream({ device: DEVICE, channels: 2, dtype: 'int16', blocksize: 256 })
    expect(() => (stream.txmapping = [1, 1])).toThrow('Expected each channel at most once in txmapping, got 1 twice')
    expect(() => (stream.txmapping = [1, 2, 3])).toThrow('Expected 2 entries for txmapping, got 3')
    expect(() => (stream.txmapping = { 1: 2, 3: 2 })).toThrow('Expected each destination channel at most once in txmapping, got 2 twice')
    expect(() => (stream.rxmapping = [3])).toThrow('Expected an integer in [0, 2] for rxmapping[0], got 3 (number)')
    expect(stream.txmapping).toBeUndefined()
    expect(stream.rxmapping).toBeUndefined()
    stream.txmapping = { 2: 1 }
    expect(stream.txmapping).toEqual([2, 0])
  })
})
