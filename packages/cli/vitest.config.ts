import { deviceTestConfig } from '../../vitest.base.js'

export default deviceTestConfig('./test/global-setup.ts')
