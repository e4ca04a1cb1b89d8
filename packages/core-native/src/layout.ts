/**
 * TypeScript copy of `include/pastream/layout.h`: byte offsets of the ring
 * buffer header and of the stream stats block. `layout.test.ts` checks every
 * value against what the compiled addon reports.
 */
export const layout = {
  PAS_RING_MAGIC: 0x52534150,
  PAS_RING_VERSION: 1,
  PAS_RING_WRITE_INDEX_OFFSET: 0,
  PAS_RING_READ_INDEX_OFFSET: 64,
  PAS_RING_MAGIC_OFFSET: 128,
  PAS_RING_VERSION_OFFSET: 132,
  PAS_RING_ELEMENTSIZE_OFFSET: 136,
  PAS_RING_SIZE_OFFSET: 140,
  PAS_RING_WRITER_OFFSET: 144,
  PAS_RING_HEADER_BYTES: 192,
  PAS_RING_MAX_SIZE: 0x80000000,
  PAS_STATS_SEQ_OFFSET: 0,
  PAS_STATS_STATE_OFFSET: 4,
  PAS_STATS_REASON_OFFSET: 8,
  PAS_STATS_STATUS_OFFSET: 12,
  PAS_STATS_XRUNS_OFFSET: 16,
  PAS_STATS_INPUT_UNDERFLOWS_OFFSET: 20,
  PAS_STATS_INPUT_OVERFLOWS_OFFSET: 24,
  PAS_STATS_OUTPUT_UNDERFLOWS_OFFSET: 28,
  PAS_STATS_OUTPUT_OVERFLOWS_OFFSET: 32,
  PAS_STATS_CALLBACKS_OFFSET: 36,
  PAS_STATS_FRAME_COUNT_OFFSET: 40,
  PAS_STATS_TOTAL_FRAMES_OFFSET: 48,
  PAS_STATS_INPUT_ADC_TIME_OFFSET: 56,
  PAS_STATS_CURRENT_TIME_OFFSET: 64,
  PAS_STATS_OUTPUT_DAC_TIME_OFFSET: 72,
  PAS_STATS_TX_FRAMES_OFFSET: 80,
  PAS_STATS_RX_FRAMES_OFFSET: 88,
  PAS_STATS_BYTES: 96,
  PAS_MAX_CHANNELS: 256,
  PAS_ASSUMED_BLOCKSIZE: 256,
  PAS_FILL_WAKE_PARTS: 4,
  PAS_MAX_FILL_WAKE_MS: 250,
} as const

/** Engine states as stored in the stats block (`enum pas_engine_state`). */
export const EngineState = { idle: 0, running: 1, complete: 2, aborted: 3 } as const
/** Why the engine stopped by itself (`enum pas_reason`). */
export const EngineReason = { none: 0, complete: 1, bufferFull: 2, bufferEmpty: 3, abortRequested: 4 } as const
/** PortAudio status flags, as counted by the engine. */
export const StatusFlags = {
  inputUnderflow: 0x1,
  inputOverflow: 0x2,
  outputUnderflow: 0x4,
  outputOverflow: 0x8,
  primingOutput: 0x10,
} as const
