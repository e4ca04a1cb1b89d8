import { describe, expect, it } from 'vitest'
import { frameCount, isNone, parseMap, parsePair, UsageError } from './values.js'
import { checkFlags } from './flags.js'

describe('pairs and placeholders', () => {
  it('one value applies to both sides; null, ^ and empty skip a side', () => {
    expect(parsePair('channels', '2', Number)).toEqual([2, 2])
    expect(parsePair('channels', '1,2', Number)).toEqual([1, 2])
    expect(parsePair('device', 'null,3', String)).toEqual([undefined, '3'])
    expect(parsePair('device', '^,3', String)).toEqual([undefined, '3'])
    expect(parsePair('device', ',loop', String)).toEqual([undefined, 'loop'])
    expect(parsePair('device', undefined, String)).toEqual([undefined, undefined])
    expect(() => parsePair('channels', '1,2,3', Number)).toThrow("--channels: expected one value or a pair like a,b, got '1,2,3'")
    expect(['', 'null', 'NULL', '^'].every(isNone)).toBe(true)
    expect(isNone('-')).toBe(false)
  })
})

describe('parseMap', () => {
  it('reads CHIN[:CHOUT] lists', () => {
    expect(parseMap('2,1')).toEqual({ 2: 1, 1: 2 })
    expect(parseMap('2:1,1:2')).toEqual({ 2: 1, 1: 2 })
    expect(parseMap('1:2')).toEqual({ 1: 2 })
    expect(parseMap('3, 1')).toEqual({ 3: 1, 1: 2 })
  })
  it.each([
    ['a', "--map: expected CHIN[:CHOUT][,...] with channels counted from 1, got 'a'"],
    ['0:1', "--map: channels count from 1, got '0:1'"],
    ['1:2,1:1', "--map: channel 1 is mapped twice in '1:2,1:1'"],
    ['1:2,3:2', "--map: two channels go to channel 2 in '1:2,3:2'"],
  ])('refuses %j', (text, message) => {
    expect(() => parseMap(text)).toThrow(message)
  })
})

describe('frameCount', () => {
  it('durations in seconds, h:m:s and samples; negatives mean none', () => {
    expect(frameCount('duration', '10', 48000, false)).toBe(480000)
    expect(frameCount('duration', '0.1', 48000, false)).toBe(4800)
    expect(frameCount('duration', '60', 48000, false)).toBe(2880000)
    expect(frameCount('duration', '1:00', 48000, false)).toBe(2880000)
    expect(frameCount('duration', '1ks', 48000, false)).toBe(1000)
    expect(frameCount('frames', '480k', 48000, false)).toBe(480000)
    expect(frameCount('pad', '-1', 48000, true)).toBe(-1)
    expect(() => frameCount('offset', '-1', 48000, false)).toThrow("--offset: expected a duration of 0 or more, got '-1'")
    expect(() => frameCount('duration', 'ten', 48000, false)).toThrow(UsageError)
  })
})

describe('checkFlags', () => {
  it('refuses contradictions before anything opens', () => {
    expect(() => checkFlags({ frames: '1', duration: '1' }, null, 'o.wav')).toThrow('--frames and --duration: give one of them')
    expect(() => checkFlags({ loop: true }, null, 'o.wav')).toThrow('--loop: there is no file to play')
    expect(() => checkFlags({ offset: '1' }, 'i.wav', null)).toThrow('--offset: there is no file to record')
    expect(() => checkFlags({ format: 'int16,float32' }, 'i.wav', 'o.wav')).toThrow("--format: input and output must use one sample format, got 'int16,float32'")
    expect(() => checkFlags({ format: 'int12' }, 'i.wav', null)).toThrow("--format: unknown sample format 'int12'")
    expect(() => checkFlags({ map: ['1', '1', '1'] }, 'i.wav', 'o.wav')).toThrow('--map: give one map, or two (output, then input)')
    expect(() => checkFlags({ rate: '0' }, 'i.wav', null)).toThrow("--rate: expected a sample rate in Hz (a whole number > 0, e.g. 48000 or 48k), got '0'")
    expect(() => checkFlags({ endian: 'middle' }, 'i.wav', null)).toThrow("--endian: unknown endianness 'middle'")
  })
  it('picks the format of the side in use', () => {
    expect(checkFlags({ format: 'int16,int32' }, null, 'o.wav').dtype).toBe('int32')
    expect(checkFlags({ format: 'int16,int32' }, 'i.wav', null).dtype).toBe('int16')
    expect(checkFlags({ rate: '44.1k', channels: '1,2' }, 'i.wav', 'o.wav')).toMatchObject({ samplerate: 44100, channels: [1, 2] })
  })
})
