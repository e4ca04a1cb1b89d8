/*
 * pastream callback engine: the only code the audio thread runs.
 *
 * It moves frames between PortAudio's buffers and the tx/rx rings, applies
 * the channel maps and the sample conversion, and decides when the stream
 * completes or aborts (DESIGN.md section 4). It never allocates, locks,
 * makes a system call or logs. It knows nothing of PortAudio or Node: the
 * binding calls pas_engine_process from its PortAudio callback, and tests
 * call it directly with synthetic buffers.
 *
 * Memory: the caller owns the pas_engine_t, the rings' memory and the stats
 * block, and keeps them alive while a callback can run.
 *
 * Threads: pas_engine_configure only while no callback can run (stream
 * stopped); pas_engine_process only from the audio thread;
 * pas_engine_request_abort from any thread.
 */
#ifndef PASTREAM_CALLBACK_H
#define PASTREAM_CALLBACK_H

#include <stddef.h>
#include <stdint.h>

#include "convert.h"
#include "layout.h"
#include "ring.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PAS_MAX_CHANNELS 256

/* Sample formats (pas_format_t, PAS_FORMAT_*) and pas_format_size are
 * convert.h's. */

/* Return values of pas_engine_process; equal to paContinue/paComplete/paAbort. */
enum pas_result { PAS_CONTINUE = 0, PAS_COMPLETE = 1, PAS_ABORT = 2 };

typedef struct pas_engine_config {
  uint32_t in_channels;  /* device input channels, 0 = no input */
  uint32_t out_channels; /* device output channels, 0 = no output */
  uint32_t rx_channels;  /* channels per frame in the rx ring (recorded) */
  uint32_t tx_channels;  /* channels per frame in the tx ring (data) */
  int format;            /* pas_format_t of ring data */
  int device_format;     /* format of PortAudio's buffers: == format, or
                            PAS_FORMAT_FLOAT32 when the engine converts */
  int64_t frames;        /* data frames to play/record, -1 = unbounded */
  int64_t pad;           /* zero frames after the data, < 0 = pad automatically */
  int64_t offset;        /* input frames dropped from the start of the recording */
  int loop;              /* replay the tx ring from where it started when it runs dry */
  /* txmapping[k], k < out_channels: 1-based tx channel for output channel k+1, 0 = silence */
  int32_t txmapping[PAS_MAX_CHANNELS];
  /* rxmapping[k], k < rx_channels: 1-based device input channel for recorded channel k+1, 0 = silence */
  int32_t rxmapping[PAS_MAX_CHANNELS];
} pas_engine_config_t;

typedef struct pas_time_info {
  double input_adc_time;
  double current_time;
  double output_dac_time;
} pas_time_info_t;

/* The stats block's C view; offsets are layout.h's (checked at compile time). */
typedef struct pas_stats {
  uint32_t seq;
  uint32_t state;
  uint32_t reason;
  uint32_t status;
  uint32_t xruns;
  uint32_t input_underflows;
  uint32_t input_overflows;
  uint32_t output_underflows;
  uint32_t output_overflows;
  uint32_t callbacks;
  double frame_count;
  double total_frames;
  double input_adc_time;
  double current_time;
  double output_dac_time;
  double tx_frames;
  double rx_frames;
} pas_stats_t;

typedef struct pas_engine {
  pas_engine_config_t config;
  pas_ring_t tx;
  pas_ring_t rx;
  int has_tx;
  int has_rx;
  pas_stats_t *stats; /* shared memory, PAS_STATS_BYTES */
  /* run state: reset by configure, owned by the audio thread after that */
  int64_t frame_count; /* frames processed (data + pad), the stream position */
  int64_t total;       /* frames the stream runs, -1 = unbounded */
  int64_t tx_done;     /* data frames taken from the tx ring, repeats included */
  int64_t rx_done;     /* frames written to the rx ring */
  int64_t offset_left; /* input frames still to drop */
  uint32_t loop_start; /* tx read_index at configure: where a loop restarts */
  uint32_t state;      /* enum pas_engine_state */
  uint32_t reason;     /* enum pas_reason */
  uint32_t status;     /* OR of status flags */
  uint32_t xruns, input_underflows, input_overflows, output_underflows,
      output_overflows, callbacks;
  pas_time_info_t last_time;
  int tx_identity;  /* tx path is one memcpy per region */
  int rx_identity;  /* rx path is one memcpy per region */
  volatile int abort_requested; /* written by any thread, read by the callback */
} pas_engine_t;

/* Error codes of pas_engine_configure (0 = ok). */
enum pas_engine_error {
  PAS_ENGINE_OK = 0,
  PAS_ENGINE_E_FORMAT = -1,       /* unknown format or device_format */
  PAS_ENGINE_E_CHANNELS = -2,     /* a channel count out of [0, PAS_MAX_CHANNELS] or none at all */
  PAS_ENGINE_E_TXMAPPING = -3,    /* txmapping entry out of range or repeated */
  PAS_ENGINE_E_RXMAPPING = -4,    /* rxmapping entry out of range or repeated */
  PAS_ENGINE_E_TX_RING = -5,      /* tx ring invalid or elementsize != tx_channels * size */
  PAS_ENGINE_E_RX_RING = -6,      /* rx ring invalid or elementsize != rx_channels * size */
  PAS_ENGINE_E_STATS = -7,        /* stats block missing or too small */
  PAS_ENGINE_E_OFFSET = -8,       /* offset < 0 */
  PAS_ENGINE_E_NO_RX_RING = -9    /* input channels but no rx ring */
};

/* A readable message for a pas_engine_error code. */
const char *pas_engine_strerror(int code);

/* Identity maps for a config: txmapping[k] = k+1, rxmapping[k] = k+1. */
void pas_engine_config_defaults(pas_engine_config_t *config);

/*
 * Validates config, attaches the rings (tx_memory may be NULL: an empty
 * source; rx_memory may be NULL only when in_channels == 0) and resets every
 * counter and the stats block. Call while no callback can run.
 */
int pas_engine_configure(pas_engine_t *engine, const pas_engine_config_t *config,
                         void *tx_memory, size_t tx_bytes,
                         void *rx_memory, size_t rx_bytes,
                         void *stats_memory, size_t stats_bytes);

/* Marks the engine RUNNING; call just before the device starts. */
void pas_engine_start(pas_engine_t *engine);

/*
 * One audio callback. input: in_channels interleaved samples per frame in
 * device_format (NULL when there is no input); output likewise with
 * out_channels. Returns enum pas_result. Audio thread only.
 */
int pas_engine_process(pas_engine_t *engine, const void *input, void *output,
                       unsigned long frame_count, const pas_time_info_t *time,
                       uint32_t status_flags);

/* Any thread: the next callback aborts with PAS_REASON_ABORT_REQUESTED. */
void pas_engine_request_abort(pas_engine_t *engine);

#ifdef __cplusplus
}
#endif

#endif
