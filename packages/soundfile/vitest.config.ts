import { deviceTestConfig } from '../../vitest.base.js'

// The pump tests use the virtual loopback device (test/global-setup.ts), so
// test files run one at a time; the others use real files in temp dirs.
export default deviceTestConfig('./test/global-setup.ts')
