import { describe, expect, it, vi } from 'vitest'
import { retryWhenXruns, waitFor } from './testing-waits.js'

describe('retryWhenXruns', () => {
  it('returns the first passing run and repeats a failure only while xruns explain it', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    try {
      let runs = 0
      const result = await retryWhenXruns('check', async (watch) => {
        runs++
        watch({ xruns: runs === 1 ? 2 : 0 })
        if (runs === 1) throw new Error('shifted by a period')
        return 'bit-exact'
      })
      expect([result, runs]).toEqual(['bit-exact', 2])
      expect(warn).toHaveBeenCalledOnce()
      expect(String(warn.mock.calls[0]?.[0])).toMatch(/^check: attempt 1 failed with 2 device xrun\(s\).*shifted by a period/)
    } finally {
      warn.mockRestore()
    }
  })

  it('throws at once when no watched stream reported an xrun', async () => {
    let runs = 0
    const failing = retryWhenXruns('check', async (watch) => {
      runs++
      watch({ xruns: 0 })
      watch({ xruns: 0 })
      throw new Error('a real difference')
    })
    await expect(failing).rejects.toThrow('a real difference')
    expect(runs).toBe(1)
  })

  it('gives up after `attempts` runs, with the last run\'s error; a stream that no longer answers explains nothing', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    try {
      let runs = 0
      const closed = {
        get xruns(): number {
          throw new Error('closed')
        },
      }
      const failing = retryWhenXruns(
        'check',
        async (watch) => {
          runs++
          watch(closed)
          watch({ xruns: 1 })
          throw new Error(`run ${runs}`)
        },
        2,
      )
      await expect(failing).rejects.toThrow('run 2')
      expect(runs).toBe(2)
    } finally {
      warn.mockRestore()
    }
  })
})

describe('waitFor', () => {
  it('resolves once the condition holds, and names what it waited for when it never does', async () => {
    let polls = 0
    await waitFor('three polls', () => ++polls >= 3)
    expect(polls).toBe(3)
    await expect(waitFor('a condition that never holds', () => false, 30)).rejects.toThrow('timed out after 30 ms waiting for a condition that never holds')
  })
})
