// The lifecycle table (lifecycle.ts), walked cell by cell: every legal
// transition lands in the state written here, every other one throws a
// PastreamError naming the stream, the method and the state. The expected
// table is spelled out again on purpose: a change to the lifecycle has to
// change both. Then a few cells a Stream on the virtual device must honour.
import { describe, expect, it } from 'vitest'
import { RingBuffer } from '@pastream/core-native'
import { DEVICE } from '../test/helpers.js'
import { PastreamError } from './errors.js'
import { InputStream, OutputStream } from './index.js'
import { Lifecycle, nextState, streamEvents, streamStates, transitions, type StreamEvent, type StreamState } from './lifecycle.js'

const expected: Record<StreamState, Partial<Record<StreamEvent, StreamState>>> = {
  idle: { start: 'starting', stop: 'idle', abort: 'aborting', close: 'closing', deviceLost: 'deviceLost' },
  aborted: { start: 'starting', stop: 'aborted', abort: 'aborting', close: 'closing', deviceLost: 'deviceLost' },
  starting: { started: 'running', startFailed: 'idle', stop: 'stopping', abort: 'aborting', close: 'closing', deviceLost: 'deviceLost' },
  running: { stop: 'stopping', abort: 'aborting', ended: 'idle', close: 'closing', deviceLost: 'deviceLost' },
  stopping: { stop: 'stopping', abort: 'aborting', ended: 'idle', close: 'closing', deviceLost: 'deviceLost' },
  aborting: { stop: 'aborting', abort: 'aborting', ended: 'aborted', close: 'closing', deviceLost: 'deviceLost' },
  closing: { stop: 'closing', abort: 'closing', close: 'closing', released: 'closed' },
  closed: { close: 'closed' },
  deviceLost: { close: 'closing' },
}

const cells = streamStates.flatMap((state) => streamEvents.map((event) => ({ state, event, next: expected[state][event] })))

describe('lifecycle table', () => {
  it('covers every state and event, and matches the table the code uses', () => {
    expect(Object.keys(transitions).sort()).toEqual([...streamStates].sort())
    expect(cells).toHaveLength(streamStates.length * streamEvents.length)
    expect(transitions).toEqual(expected)
  })

  it.each(cells.filter((c) => c.next !== undefined))('$state --$event--> $next', ({ state, event, next }) => {
    expect(nextState(state, event, 'InputStream')).toBe(next)
  })

  it.each(cells.filter((c) => c.next === undefined && c.state !== 'closed'))('$state refuses $event', ({ state, event }) => {
    const method = ['start', 'stop', 'abort', 'close'].includes(event) ? `${event}()` : `the '${event}' event`
    expect(() => nextState(state, event, 'OutputStream')).toThrow(new PastreamError(`OutputStream cannot take ${method} while ${state}`))
  })

  it.each(cells.filter((c) => c.next === undefined && c.state === 'closed'))('closed refuses $event with "is closed"', ({ event }) => {
    expect(() => nextState('closed', event, 'DuplexStream')).toThrow(new PastreamError('DuplexStream is closed'))
  })

  it('a device loss is reachable from every open state and ends in close() only', () => {
    for (const state of ['idle', 'aborted', 'starting', 'running', 'stopping', 'aborting'] as const) {
      expect(nextState(state, 'deviceLost', 'InputStream')).toBe('deviceLost')
    }
    const reachable = streamEvents.filter((event) => expected.deviceLost[event] !== undefined)
    expect(reachable).toEqual(['close'])
  })
})

describe('Lifecycle', () => {
  it('walks a run: start, started, stop, ended, then abort and close', () => {
    const life = new Lifecycle('InputStream')
    expect([life.state, life.stopped, life.runUnderWay, life.closed, life.abortRequested]).toEqual(['idle', true, false, false, false])
    life.fire('start')
    expect([life.state, life.stopped, life.runUnderWay]).toEqual(['starting', true, true])
    life.fire('started')
    expect([life.state, life.stopped, life.runUnderWay]).toEqual(['running', false, true])
    life.fire('stop')
    expect([life.state, life.stopped]).toEqual(['stopping', false])
    life.fire('ended')
    expect([life.state, life.stopped, life.runUnderWay]).toEqual(['idle', true, false])
    life.fire('abort')
    expect([life.state, life.abortRequested, life.stopped]).toEqual(['aborting', true, false])
    life.fire('ended')
    expect([life.state, life.abortRequested, life.stopped]).toEqual(['aborted', true, true])
    life.fire('start')
    expect(life.abortRequested).toBe(false)
    life.fire('close')
    expect([life.state, life.closed, life.runUnderWay]).toEqual(['closing', false, false])
    life.fire('released')
    expect([life.state, life.closed, life.stopped]).toEqual(['closed', true, true])
    expect(() => life.checkOpen()).toThrow(new PastreamError('InputStream is closed'))
    expect(() => life.fire('start')).toThrow(new PastreamError('InputStream is closed'))
  })

  it('a lost device refuses everything but close()', () => {
    const life = new Lifecycle('OutputStream')
    life.fire('start')
    life.fire('started')
    life.fire('deviceLost')
    expect([life.state, life.stopped, life.runUnderWay, life.closed]).toEqual(['deviceLost', true, false, false])
    expect(() => life.check('start')).toThrow(new PastreamError('OutputStream cannot take start() while deviceLost'))
    expect(life.state).toBe('deviceLost')
    life.checkOpen()
    expect(life.fire('close')).toBe('closing')
  })
})

describe('Stream follows the table', () => {
  it('a second start() while the first is starting is refused; the first run goes on', async () => {
    await using stream = new InputStream({ device: DEVICE, channels: 1, dtype: 'int16', blocksize: 256 })
    stream.setSink(new RingBuffer(2, 1 << 16))
    const first = stream.start()
    await expect(stream.start()).rejects.toThrow(new PastreamError('InputStream cannot take start() while starting'))
    await first
    expect([stream.active, stream.stopped]).toEqual([true, false])
    await stream.stop()
    expect([stream.active, stream.stopped, stream.aborted]).toEqual([false, true, false])
  })

  it('abort() with no run under way marks the stream aborted until the next start()', async () => {
    await using stream = new OutputStream({ device: DEVICE, channels: 1, dtype: 'int16', blocksize: 256 })
    await stream.abort()
    expect([stream.aborted, stream.stopped, stream.closed]).toEqual([true, true, false])
    await stream.stop() // no run: changes nothing
    expect(stream.aborted).toBe(true)
    await stream.play(new Int16Array(512))
    expect([stream.aborted, stream.finished, stream.frameCount]).toEqual([false, true, 512])
  })

  it('stop() right after start() cancels the run before the device starts', async () => {
    await using stream = new InputStream({ device: DEVICE, channels: 1, dtype: 'int16', blocksize: 256 })
    stream.setSink(new RingBuffer(2, 1 << 16))
    const started = stream.start()
    await stream.stop()
    await started
    expect([stream.active, stream.stopped, stream.frameCount]).toEqual([false, true, 0])
    expect(await stream.wait(0)).toBe(true)
  })

  it('stop() and abort() while close() is under way wait for the close; a second close() is the first', async () => {
    const stream = new InputStream({ device: DEVICE, channels: 1, dtype: 'int16', blocksize: 256 })
    stream.setSink(new RingBuffer(2, 1 << 16))
    await stream.start()
    const closing = stream.close()
    await Promise.all([stream.stop(), stream.abort(), stream.close(), closing])
    expect([stream.closed, stream.active]).toEqual([true, false])
    await expect(stream.stop()).rejects.toThrow(new PastreamError('InputStream is closed'))
  })
})
