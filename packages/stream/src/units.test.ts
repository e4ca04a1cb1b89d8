import { describe, expect, it } from 'vitest'
import { parseCount, parseDuration, parseSamplerate } from './units.js'

describe('parseCount', () => {
  it.each([
    ['480k', 480000],
    ['2K', 2048],
    ['1m', 1000000],
    ['1M', 1048576],
    ['0', 0],
    ['1.5k', 1500],
  ])('%s -> %d', (text, frames) => expect(parseCount(text)).toBe(frames))

  it('rejects fractions and junk with the text in the message', () => {
    expect(() => parseCount('1.5')).toThrow('Expected a whole number for a count, got "1.5" (1.5)')
    expect(() => parseCount('12x', 'frames')).toThrow(
      'Expected a number with an optional k/K/m/M multiplier for frames, got "12x"',
    )
    expect(() => parseCount('-4')).toThrow(/got "-4"/)
  })
})

describe('parseSamplerate', () => {
  it('accepts k suffixes and fractions', () => {
    expect(parseSamplerate('48k')).toBe(48000)
    expect(parseSamplerate('44.1k')).toBe(44100)
    expect(parseSamplerate('96000')).toBe(96000)
  })
  it('rejects zero', () => expect(() => parseSamplerate('0')).toThrow('Expected a positive samplerate, got "0"'))
})

describe('parseDuration', () => {
  it.each([
    ['1', 48000],
    ['0.1', 4800], // the original crashed here
    ['60', 2880000], // and rejected this
    ['1:30', 4320000],
    ['1:00:00.5', 172824000],
    ['90:00', 259200000],
    ['480ks', 480000],
    ['4800s', 4800],
    ['1k', 48000000],
  ])('%s at 48 kHz -> %d frames', (text, frames) => expect(parseDuration(text, 48000)).toBe(frames))

  it('rounds to the nearest frame', () => expect(parseDuration('0.00001', 48000)).toBe(0))

  it('rejects what is not a duration', () => {
    const message = 'Expected [[h:]m:]s or a sample count like 4800s for a duration, got'
    expect(() => parseDuration('1:2:3:4', 48000)).toThrow(`${message} "1:2:3:4"`)
    expect(() => parseDuration('1::3', 48000)).toThrow(`${message} "1::3"`)
    expect(() => parseDuration('abc', 48000)).toThrow(`${message} "abc"`)
    expect(() => parseDuration('1.5s', 48000)).toThrow('Expected a whole number for a duration in samples, got "1.5" (1.5)')
  })
})
