/*
 * pastream shared-memory layout: the only source of byte offsets.
 *
 * Two kinds of shared blocks live in JavaScript SharedArrayBuffers and are
 * read and written by both C and JS (src/layout.ts is the TS copy; a test
 * checks it against pas_layout_* reported by the addon):
 *
 * Ring buffer (one SharedArrayBuffer per ring):
 *   [0,   64)  cache line 0: write_index (uint32, wrapping), producer only
 *   [64, 128)  cache line 1: read_index  (uint32, wrapping), consumer only
 *   [128,192)  cache line 2: magic, version, elementsize, size (frames),
 *              writer state (written by the producer at its start and end)
 *   [192, ...) data: size * elementsize bytes
 *
 * Stats block (one per stream, written only by the audio thread):
 *   a seqlock word, then the counters of pas_stats_t below.
 */
#ifndef PASTREAM_LAYOUT_H
#define PASTREAM_LAYOUT_H

#include <stdint.h>

#define PAS_RING_MAGIC 0x52534150u /* "PASR" little endian */
#define PAS_RING_VERSION 1u

#define PAS_RING_WRITE_INDEX_OFFSET 0
#define PAS_RING_READ_INDEX_OFFSET 64
#define PAS_RING_MAGIC_OFFSET 128
#define PAS_RING_VERSION_OFFSET 132
#define PAS_RING_ELEMENTSIZE_OFFSET 136
#define PAS_RING_SIZE_OFFSET 140
#define PAS_RING_WRITER_OFFSET 144 /* uint32: enum pas_ring_writer */
#define PAS_RING_HEADER_BYTES 192

/* What the producer of a ring says about the data still to come. A run
 * with no frame count (frames < 0, pad >= 0) ends when its tx ring runs
 * dry once the writer has ENDED; running dry while it is OPEN is an
 * underflow (BufferEmpty), never a silent end. A ring whose producer says
 * nothing (UNKNOWN, a fresh ring's zero) ends at its first dry callback. */
enum pas_ring_writer {
  PAS_RING_WRITER_UNKNOWN = 0,
  PAS_RING_WRITER_OPEN = 1,  /* more data will come */
  PAS_RING_WRITER_ENDED = 2  /* everything was written (release: before this store) */
};

/* Largest size: indices are 32-bit and wrap, so size <= 2^31. */
#define PAS_RING_MAX_SIZE 0x80000000u

/* Frames per callback assumed when a stream's blocksize is 0 (the host
 * decides and may vary it): what pumps and waits size their work by. */
#define PAS_ASSUMED_BLOCKSIZE 256u

/* When a consumer that needs no low latency (a file pump, a sink, a
 * source) wakes to service its ring: once 1/PAS_FILL_WAKE_PARTS of the
 * ring can have filled (or played out), at most every PAS_MAX_FILL_WAKE_MS
 * and at least every 1 ms, in whole ms. Never per device period: a
 * wake-up is the main cost of such a consumer. */
#define PAS_FILL_WAKE_PARTS 4u
#define PAS_MAX_FILL_WAKE_MS 250u

/* Stats block: offsets in bytes. */
#define PAS_STATS_SEQ_OFFSET 0                 /* uint32: odd while writing */
#define PAS_STATS_STATE_OFFSET 4               /* uint32: pas_engine_state */
#define PAS_STATS_REASON_OFFSET 8              /* uint32: pas_reason */
#define PAS_STATS_STATUS_OFFSET 12             /* uint32: OR of PortAudio status flags */
#define PAS_STATS_XRUNS_OFFSET 16              /* uint32 */
#define PAS_STATS_INPUT_UNDERFLOWS_OFFSET 20   /* uint32 */
#define PAS_STATS_INPUT_OVERFLOWS_OFFSET 24    /* uint32 */
#define PAS_STATS_OUTPUT_UNDERFLOWS_OFFSET 28  /* uint32 */
#define PAS_STATS_OUTPUT_OVERFLOWS_OFFSET 32   /* uint32 */
#define PAS_STATS_CALLBACKS_OFFSET 36          /* uint32: callbacks since start */
#define PAS_STATS_FRAME_COUNT_OFFSET 40        /* double: frames processed */
#define PAS_STATS_TOTAL_FRAMES_OFFSET 48       /* double: resolved total, -1 unbounded */
#define PAS_STATS_INPUT_ADC_TIME_OFFSET 56     /* double: last callback's inputBufferAdcTime */
#define PAS_STATS_CURRENT_TIME_OFFSET 64       /* double: last callback's currentTime */
#define PAS_STATS_OUTPUT_DAC_TIME_OFFSET 72    /* double: last callback's outputBufferDacTime */
#define PAS_STATS_TX_FRAMES_OFFSET 80          /* double: data frames taken from the tx ring */
#define PAS_STATS_RX_FRAMES_OFFSET 88          /* double: frames written to the rx ring */
#define PAS_STATS_BYTES 96

/* Engine state, as stored in the stats block. */
enum pas_engine_state {
  PAS_STATE_IDLE = 0,      /* configured, not started */
  PAS_STATE_RUNNING = 1,   /* callbacks are processing */
  PAS_STATE_COMPLETE = 2,  /* reached its total and asked PortAudio to complete */
  PAS_STATE_ABORTED = 3    /* asked PortAudio to abort; see reason */
};

/* Why the engine left RUNNING by itself. */
enum pas_reason {
  PAS_REASON_NONE = 0,
  PAS_REASON_COMPLETE = 1,      /* frames (+ pad) done */
  PAS_REASON_BUFFER_FULL = 2,   /* rx ring had no room: never drop input silently */
  PAS_REASON_BUFFER_EMPTY = 3,  /* tx ring ran dry with frames >= 0 and pad >= 0 */
  PAS_REASON_ABORT_REQUESTED = 4 /* the owner asked the callback to abort (pas_engine_request_abort) */
};

/* PortAudio's status flags, mirrored so the core needs no PortAudio header. */
#define PAS_INPUT_UNDERFLOW 0x1u
#define PAS_INPUT_OVERFLOW 0x2u
#define PAS_OUTPUT_UNDERFLOW 0x4u
#define PAS_OUTPUT_OVERFLOW 0x8u
#define PAS_PRIMING_OUTPUT 0x10u

#endif
