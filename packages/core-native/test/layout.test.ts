import { describe, expect, it } from 'vitest'
import { layout, nativeLayout } from '../src/index.js'

describe('layout.ts', () => {
  it('matches the compiled layout.h value for value', () => {
    const compiled = nativeLayout()
    expect(Object.keys(compiled).sort()).toEqual(Object.keys(layout).sort())
    for (const [name, value] of Object.entries(layout)) expect(compiled[name], name).toBe(value)
  })
})
