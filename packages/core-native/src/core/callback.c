/*
 * pastream callback engine. See include/pastream/callback.h for the contract
 * and DESIGN.md section 4 for the rules each branch below implements.
 * Everything reachable from pas_engine_process runs on the audio thread: no
 * allocation, no lock, no system call, no logging.
 */
#include "pastream/callback.h"

#include <stdatomic.h>
#include <stddef.h>
#include <string.h>

_Static_assert(offsetof(pas_stats_t, seq) == PAS_STATS_SEQ_OFFSET, "stats layout");
_Static_assert(offsetof(pas_stats_t, state) == PAS_STATS_STATE_OFFSET, "stats layout");
_Static_assert(offsetof(pas_stats_t, reason) == PAS_STATS_REASON_OFFSET, "stats layout");
_Static_assert(offsetof(pas_stats_t, status) == PAS_STATS_STATUS_OFFSET, "stats layout");
_Static_assert(offsetof(pas_stats_t, xruns) == PAS_STATS_XRUNS_OFFSET, "stats layout");
_Static_assert(offsetof(pas_stats_t, input_underflows) == PAS_STATS_INPUT_UNDERFLOWS_OFFSET, "stats layout");
_Static_assert(offsetof(pas_stats_t, input_overflows) == PAS_STATS_INPUT_OVERFLOWS_OFFSET, "stats layout");
_Static_assert(offsetof(pas_stats_t, output_underflows) == PAS_STATS_OUTPUT_UNDERFLOWS_OFFSET, "stats layout");
_Static_assert(offsetof(pas_stats_t, output_overflows) == PAS_STATS_OUTPUT_OVERFLOWS_OFFSET, "stats layout");
_Static_assert(offsetof(pas_stats_t, callbacks) == PAS_STATS_CALLBACKS_OFFSET, "stats layout");
_Static_assert(offsetof(pas_stats_t, frame_count) == PAS_STATS_FRAME_COUNT_OFFSET, "stats layout");
_Static_assert(offsetof(pas_stats_t, total_frames) == PAS_STATS_TOTAL_FRAMES_OFFSET, "stats layout");
_Static_assert(offsetof(pas_stats_t, input_adc_time) == PAS_STATS_INPUT_ADC_TIME_OFFSET, "stats layout");
_Static_assert(offsetof(pas_stats_t, current_time) == PAS_STATS_CURRENT_TIME_OFFSET, "stats layout");
_Static_assert(offsetof(pas_stats_t, output_dac_time) == PAS_STATS_OUTPUT_DAC_TIME_OFFSET, "stats layout");
_Static_assert(offsetof(pas_stats_t, tx_frames) == PAS_STATS_TX_FRAMES_OFFSET, "stats layout");
_Static_assert(offsetof(pas_stats_t, rx_frames) == PAS_STATS_RX_FRAMES_OFFSET, "stats layout");
_Static_assert(sizeof(pas_stats_t) == PAS_STATS_BYTES, "stats layout");

const char *pas_engine_strerror(int code) {
  switch (code) {
    case PAS_ENGINE_OK: return "ok";
    case PAS_ENGINE_E_FORMAT: return "unknown sample format";
    case PAS_ENGINE_E_CHANNELS: return "channel counts must be between 0 and 256, with input or output";
    case PAS_ENGINE_E_TXMAPPING: return "txmapping entries must be 0 or a tx channel (1-based), each at most once";
    case PAS_ENGINE_E_RXMAPPING: return "rxmapping entries must be 0 or a device input channel (1-based), each at most once";
    case PAS_ENGINE_E_TX_RING: return "tx ring is invalid or its elementsize is not tx_channels * samplesize";
    case PAS_ENGINE_E_RX_RING: return "rx ring is invalid or its elementsize is not rx_channels * samplesize";
    case PAS_ENGINE_E_STATS: return "stats block is missing or smaller than PAS_STATS_BYTES";
    case PAS_ENGINE_E_OFFSET: return "offset must be >= 0";
    case PAS_ENGINE_E_NO_RX_RING: return "an input stream needs an rx ring";
    default: return "unknown engine error";
  }
}

void pas_engine_config_defaults(pas_engine_config_t *config) {
  for (int k = 0; k < PAS_MAX_CHANNELS; k++) {
    config->txmapping[k] = k + 1;
    config->rxmapping[k] = k + 1;
  }
}

static int check_mapping(const int32_t *mapping, uint32_t count, uint32_t sources) {
  uint8_t seen[PAS_MAX_CHANNELS + 1];
  memset(seen, 0, sizeof seen);
  for (uint32_t k = 0; k < count; k++) {
    int32_t m = mapping[k];
    if (m < 0 || (uint32_t)m > sources) return 0;
    if (m > 0) {
      if (seen[m]) return 0;
      seen[m] = 1;
    }
  }
  return 1;
}

static int is_identity(const int32_t *mapping, uint32_t count, uint32_t sources) {
  if (count != sources) return 0;
  for (uint32_t k = 0; k < count; k++)
    if (mapping[k] != (int32_t)k + 1) return 0;
  return 1;
}

/* The seqlock writer: odd while fields change, even when consistent. */
static void publish_stats(pas_engine_t *e) {
  pas_stats_t *s = e->stats;
  _Atomic uint32_t *seq = (_Atomic uint32_t *)(void *)&s->seq;
  uint32_t v = atomic_load_explicit(seq, memory_order_relaxed);
  atomic_store_explicit(seq, v + 1, memory_order_relaxed);
  /* release fence: the odd seq is visible before any field below changes */
  atomic_thread_fence(memory_order_release);
  s->state = e->state;
  s->reason = e->reason;
  s->status = e->status;
  s->xruns = e->xruns;
  s->input_underflows = e->input_underflows;
  s->input_overflows = e->input_overflows;
  s->output_underflows = e->output_underflows;
  s->output_overflows = e->output_overflows;
  s->callbacks = e->callbacks;
  s->frame_count = (double)e->frame_count;
  s->total_frames = (double)e->total;
  s->input_adc_time = e->last_time.input_adc_time;
  s->current_time = e->last_time.current_time;
  s->output_dac_time = e->last_time.output_dac_time;
  s->tx_frames = (double)e->tx_done;
  s->rx_frames = (double)e->rx_done;
  /* release: every field above is visible before the even seq */
  atomic_store_explicit(seq, v + 2, memory_order_release);
}

int pas_engine_configure(pas_engine_t *e, const pas_engine_config_t *config, void *tx_memory,
                         size_t tx_bytes, void *rx_memory, size_t rx_bytes, void *stats_memory,
                         size_t stats_bytes) {
  const pas_engine_config_t *c = config;
  uint32_t size = pas_format_size(c->format);
  if (size == 0) return PAS_ENGINE_E_FORMAT;
  if (c->device_format != c->format && c->device_format != PAS_FORMAT_FLOAT32)
    return PAS_ENGINE_E_FORMAT;
  if (c->in_channels > PAS_MAX_CHANNELS || c->out_channels > PAS_MAX_CHANNELS ||
      c->rx_channels > PAS_MAX_CHANNELS || c->tx_channels > PAS_MAX_CHANNELS ||
      (c->in_channels == 0 && c->out_channels == 0) ||
      (c->in_channels > 0 && c->rx_channels == 0) ||
      (c->out_channels > 0 && c->tx_channels == 0))
    return PAS_ENGINE_E_CHANNELS;
  if (c->out_channels > 0 && !check_mapping(c->txmapping, c->out_channels, c->tx_channels))
    return PAS_ENGINE_E_TXMAPPING;
  if (c->in_channels > 0 && !check_mapping(c->rxmapping, c->rx_channels, c->in_channels))
    return PAS_ENGINE_E_RXMAPPING;
  if (c->offset < 0) return PAS_ENGINE_E_OFFSET;
  if (stats_memory == NULL || stats_bytes < PAS_STATS_BYTES || ((uintptr_t)stats_memory & 7u))
    return PAS_ENGINE_E_STATS;

  pas_ring_t tx = {0}, rx = {0};
  int has_tx = 0, has_rx = 0;
  if (c->out_channels > 0 && tx_memory != NULL) {
    if (pas_ring_attach(&tx, tx_memory, tx_bytes) != PAS_RING_OK ||
        tx.elementsize != c->tx_channels * size)
      return PAS_ENGINE_E_TX_RING;
    has_tx = 1;
  }
  if (c->in_channels > 0) {
    if (rx_memory == NULL) return PAS_ENGINE_E_NO_RX_RING;
    if (pas_ring_attach(&rx, rx_memory, rx_bytes) != PAS_RING_OK ||
        rx.elementsize != c->rx_channels * size)
      return PAS_ENGINE_E_RX_RING;
    has_rx = 1;
  }

  memset(e, 0, sizeof *e);
  e->config = *c;
  e->tx = tx;
  e->rx = rx;
  e->has_tx = has_tx;
  e->has_rx = has_rx;
  e->stats = (pas_stats_t *)stats_memory;
  e->total = c->frames >= 0 ? c->frames + (c->pad > 0 ? c->pad : 0) : -1;
  e->offset_left = c->offset;
  e->loop_start = has_tx ? pas_ring_read_index(&e->tx) : 0;
  e->state = PAS_STATE_IDLE;
  e->reason = PAS_REASON_NONE;
  e->tx_identity = c->format == c->device_format &&
                   is_identity(c->txmapping, c->out_channels, c->tx_channels);
  e->rx_identity = c->format == c->device_format &&
                   is_identity(c->rxmapping, c->rx_channels, c->in_channels);
  e->abort_requested = 0;
  memset(e->stats, 0, PAS_STATS_BYTES);
  publish_stats(e);
  return PAS_ENGINE_OK;
}

void pas_engine_start(pas_engine_t *e) {
  e->state = PAS_STATE_RUNNING;
  publish_stats(e);
}

void pas_engine_request_abort(pas_engine_t *e) {
  atomic_store_explicit((_Atomic int *)(void *)&e->abort_requested, 1, memory_order_release);
}

/* Sample conversion (symmetric scaling, rounded and clamped on the way out)
 * is convert.h's: pas_sample_to_float / pas_sample_from_float, inlined. */

/* ---- channel maps over 4-byte samples (float32, int32): bit copies ---- */

/* o[i][k] = map[k] ? s[i][map[k]-1] : 0 for count frames. Column by column,
 * so each inner loop is a plain strided copy the compiler unrolls; a stereo
 * swap, the most common map, is one 64-bit rotate per frame. */
static void map32(const uint32_t *s, uint32_t sc, uint32_t *o, uint32_t oc, const int32_t *map,
                  uint32_t count) {
  if (oc == 2 && sc == 2 && map[0] == 2 && map[1] == 1) {
    for (uint32_t i = 0; i < count; i++) {
      uint64_t v;
      memcpy(&v, s + 2 * (size_t)i, 8);
      v = (v << 32) | (v >> 32);
      memcpy(o + 2 * (size_t)i, &v, 8);
    }
    return;
  }
  for (uint32_t k = 0; k < oc; k++) {
    uint32_t *op = o + k;
    if (map[k] == 0) {
      for (uint32_t i = 0; i < count; i++) op[(size_t)i * oc] = 0;
      continue;
    }
    const uint32_t *sp = s + (map[k] - 1);
    for (uint32_t i = 0; i < count; i++) op[(size_t)i * oc] = sp[(size_t)i * sc];
  }
}

/* ---- the tx path: ring frames -> output frames ---- */

/* int16 ring <-> float32 device through a channel map, the common case on
 * float-native hosts (JACK, Core Audio) with an int16 stream: a strided
 * loop per channel, like map32, with no per-sample format switch. */
static void map_i16_to_f32(const int16_t *s, uint32_t sc, float *o, uint32_t oc, const int32_t *map,
                           uint32_t count) {
  for (uint32_t k = 0; k < oc; k++) {
    float *op = o + k;
    if (map[k] == 0) {
      for (uint32_t i = 0; i < count; i++) op[(size_t)i * oc] = 0.0f;
      continue;
    }
    const int16_t *sp = s + (map[k] - 1);
    for (uint32_t i = 0; i < count; i++) op[(size_t)i * oc] = pas_i16_to_float(sp[(size_t)i * sc]);
  }
}

static void map_f32_to_i16(const float *s, uint32_t sc, int16_t *o, uint32_t oc, const int32_t *map,
                           uint32_t count) {
  for (uint32_t k = 0; k < oc; k++) {
    int16_t *op = o + k;
    if (map[k] == 0) {
      for (uint32_t i = 0; i < count; i++) op[(size_t)i * oc] = 0;
      continue;
    }
    const float *sp = s + (map[k] - 1);
    for (uint32_t i = 0; i < count; i++) op[(size_t)i * oc] = pas_i16_from_float(sp[(size_t)i * sc]);
  }
}

/* Writes count frames from src (tx frames) to out (device frames). */
static void tx_frames(const pas_engine_t *e, const uint8_t *src, uint8_t *out, uint32_t count) {
  const pas_engine_config_t *c = &e->config;
  uint32_t ss = pas_format_size(c->format);
  uint32_t ds = pas_format_size(c->device_format);
  size_t in_stride = (size_t)c->tx_channels * ss;
  size_t out_stride = (size_t)c->out_channels * ds;
  if (e->tx_identity) {
    memcpy(out, src, (size_t)count * out_stride);
    return;
  }
  const uint32_t oc = c->out_channels;
  const int32_t *map = c->txmapping;
  if (c->format == c->device_format && ss == 4) {
    map32((const uint32_t *)(const void *)src, c->tx_channels, (uint32_t *)(void *)out, oc, map, count);
    return;
  }
  if (c->format == PAS_FORMAT_INT16 && c->device_format == PAS_FORMAT_FLOAT32) {
    map_i16_to_f32((const int16_t *)(const void *)src, c->tx_channels, (float *)(void *)out, oc, map, count);
    return;
  }
  for (uint32_t i = 0; i < count; i++) {
    const uint8_t *sf = src + i * in_stride;
    uint8_t *of = out + i * out_stride;
    for (uint32_t k = 0; k < oc; k++) {
      uint8_t *dst = of + (size_t)k * ds;
      if (map[k] == 0) {
        if (c->device_format == PAS_FORMAT_UINT8) dst[0] = 128;
        else memset(dst, 0, ds);
        continue;
      }
      const uint8_t *sp = sf + (size_t)(map[k] - 1) * ss;
      if (c->device_format == c->format) memcpy(dst, sp, ss);
      else {
        float f = pas_sample_to_float(c->format, sp);
        memcpy(dst, &f, 4);
      }
    }
  }
}

/* Silence in the device format. */
static void silence(const pas_engine_config_t *c, uint8_t *out, uint32_t channels, uint32_t count) {
  size_t bytes = (size_t)count * channels * pas_format_size(c->device_format);
  memset(out, c->device_format == PAS_FORMAT_UINT8 ? 128 : 0, bytes);
}

/* Takes up to want data frames from the tx ring into out, replaying from
 * loop_start when looping. Returns the frames written. */
static uint32_t tx_take(pas_engine_t *e, uint8_t *out, uint32_t want) {
  if (!e->has_tx) return 0;
  const pas_engine_config_t *c = &e->config;
  size_t out_stride = (size_t)c->out_channels * pas_format_size(c->device_format);
  uint32_t done = 0;
  int rewound = 0;
  while (done < want) {
    void *r1, *r2;
    uint32_t n1, n2;
    uint32_t n = pas_ring_get_read_regions(&e->tx, want - done, &r1, &n1, &r2, &n2);
    if (n == 0) {
      /* ran dry: a loop replays what the ring still holds, once per pass */
      if (!c->loop || rewound || pas_ring_write_index(&e->tx) == e->loop_start) break;
      pas_ring_set_read_index(&e->tx, e->loop_start);
      rewound = 1;
      continue;
    }
    rewound = 0;
    tx_frames(e, (const uint8_t *)r1, out + done * out_stride, n1);
    if (n2) tx_frames(e, (const uint8_t *)r2, out + (done + n1) * out_stride, n2);
    pas_ring_advance_read(&e->tx, n);
    done += n;
  }
  return done;
}

/* ---- the rx path: input frames -> ring frames ---- */

static void rx_frames(const pas_engine_t *e, const uint8_t *in, uint8_t *dst, uint32_t count) {
  const pas_engine_config_t *c = &e->config;
  uint32_t ss = pas_format_size(c->format);
  uint32_t ds = pas_format_size(c->device_format);
  size_t in_stride = (size_t)c->in_channels * ds;
  size_t out_stride = (size_t)c->rx_channels * ss;
  if (e->rx_identity) {
    memcpy(dst, in, (size_t)count * out_stride);
    return;
  }
  const uint32_t rc = c->rx_channels;
  const int32_t *map = c->rxmapping;
  if (c->format == c->device_format && ss == 4) {
    map32((const uint32_t *)(const void *)in, c->in_channels, (uint32_t *)(void *)dst, rc, map, count);
    return;
  }
  if (c->format == PAS_FORMAT_INT16 && c->device_format == PAS_FORMAT_FLOAT32) {
    map_f32_to_i16((const float *)(const void *)in, c->in_channels, (int16_t *)(void *)dst, rc, map, count);
    return;
  }
  for (uint32_t i = 0; i < count; i++) {
    const uint8_t *sf = in + i * in_stride;
    uint8_t *of = dst + i * out_stride;
    for (uint32_t k = 0; k < rc; k++) {
      uint8_t *d = of + (size_t)k * ss;
      if (map[k] == 0) {
        if (c->format == PAS_FORMAT_UINT8) d[0] = 128;
        else memset(d, 0, ss);
        continue;
      }
      const uint8_t *sp = sf + (size_t)(map[k] - 1) * ds;
      if (c->device_format == c->format) memcpy(d, sp, ss);
      else {
        float f;
        memcpy(&f, sp, 4);
        pas_sample_from_float(c->format, f, d);
      }
    }
  }
}

/* Writes count input frames to the rx ring; returns how many fit. */
static uint32_t rx_put(pas_engine_t *e, const uint8_t *in, uint32_t count) {
  const pas_engine_config_t *c = &e->config;
  size_t in_stride = (size_t)c->in_channels * pas_format_size(c->device_format);
  void *r1, *r2;
  uint32_t n1, n2;
  uint32_t n = pas_ring_get_write_regions(&e->rx, count, &r1, &n1, &r2, &n2);
  if (n1) rx_frames(e, in, (uint8_t *)r1, n1);
  if (n2) rx_frames(e, in + n1 * in_stride, (uint8_t *)r2, n2);
  pas_ring_advance_write(&e->rx, n);
  return n;
}

/* ---- the callback ---- */

static void count_status(pas_engine_t *e, uint32_t flags) {
  e->callbacks++;
  if (flags == 0) return;
  e->status |= flags;
  /* priming output is not an xrun */
  if ((flags & (PAS_INPUT_UNDERFLOW | PAS_INPUT_OVERFLOW | PAS_OUTPUT_UNDERFLOW |
                PAS_OUTPUT_OVERFLOW)) == 0)
    return;
  e->xruns++;
  if (flags & PAS_INPUT_UNDERFLOW) e->input_underflows++;
  if (flags & PAS_INPUT_OVERFLOW) e->input_overflows++;
  if (flags & PAS_OUTPUT_UNDERFLOW) e->output_underflows++;
  if (flags & PAS_OUTPUT_OVERFLOW) e->output_overflows++;
}

static int finish(pas_engine_t *e, uint32_t state, uint32_t reason) {
  e->state = state;
  e->reason = reason;
  publish_stats(e);
  return state == PAS_STATE_COMPLETE ? PAS_COMPLETE : PAS_ABORT;
}

int pas_engine_process(pas_engine_t *e, const void *input, void *output,
                       unsigned long frame_count, const pas_time_info_t *time,
                       uint32_t status_flags) {
  const pas_engine_config_t *c = &e->config;
  uint8_t *out = (uint8_t *)output;
  const uint8_t *in = (const uint8_t *)input;
  uint32_t n = (uint32_t)frame_count;

  const int has_out = c->out_channels > 0 && out != NULL;
  const size_t out_stride = (size_t)c->out_channels * pas_format_size(c->device_format);
  /* read once: a request arriving mid-callback takes effect next time */
  const int abort_requested =
      atomic_load_explicit((_Atomic int *)(void *)&e->abort_requested, memory_order_acquire);
  if (e->state != PAS_STATE_RUNNING || abort_requested) {
    if (has_out) silence(c, out, c->out_channels, n);
  }
  if (e->state != PAS_STATE_RUNNING) {
    /* a callback after we asked to stop: play silence, keep saying so */
    if (e->state == PAS_STATE_COMPLETE) return PAS_COMPLETE;
    if (e->state == PAS_STATE_ABORTED) return PAS_ABORT;
    e->state = PAS_STATE_RUNNING; /* started without pas_engine_start */
  }
  count_status(e, status_flags);
  if (time != NULL) e->last_time = *time;
  if (abort_requested) return finish(e, PAS_STATE_ABORTED, PAS_REASON_ABORT_REQUESTED);

  /* frames this callback covers */
  uint32_t todo = n;
  if (e->total >= 0 && (int64_t)todo > e->total - e->frame_count)
    todo = (uint32_t)(e->total - e->frame_count);

  /* output: data, then pad (the silence already written) */
  if (has_out) {
    uint32_t want = todo;
    if (c->frames >= 0 && (int64_t)want > c->frames - e->tx_done)
      want = (uint32_t)(c->frames - e->tx_done);
    if (c->frames < 0 && e->total >= 0) want = 0; /* autoframes resolved: only pad is left */
    /* loaded before the ring (acquire): a writer that has ENDED wrote every
     * frame before saying so, so a dry ring after this load is its end */
    const uint32_t writer = e->has_tx ? pas_ring_writer(&e->tx) : PAS_RING_WRITER_UNKNOWN;
    uint32_t got = tx_take(e, out, want);
    e->tx_done += got;
    silence(c, out + got * out_stride, c->out_channels, n - got); /* pad and beyond the end */
    if (got < want && c->pad >= 0) {
      if (c->frames >= 0 || writer == PAS_RING_WRITER_OPEN) {
        /* the data was promised (a frame count, or a writer that has not
         * ended) and is not there */
        e->frame_count += got;
        return finish(e, PAS_STATE_ABORTED, PAS_REASON_BUFFER_EMPTY);
      }
      /* autoframes: the total is now known; later writes stay unplayed */
      e->total = e->frame_count + got + c->pad;
      if ((int64_t)todo > e->total - e->frame_count) todo = (uint32_t)(e->total - e->frame_count);
    }
    /* pad < 0: the rest of this callback is silence, and the stream goes on */
  }

  /* input: drop offset frames, then record; never drop a frame silently */
  if (c->in_channels > 0 && in != NULL) {
    uint32_t skip = 0;
    if (e->offset_left > 0) {
      skip = e->offset_left < (int64_t)todo ? (uint32_t)e->offset_left : todo;
      e->offset_left -= skip;
    }
    uint32_t count = todo - skip;
    if (count > 0) {
      size_t in_stride = (size_t)c->in_channels * pas_format_size(c->device_format);
      uint32_t put = rx_put(e, in + skip * in_stride, count);
      e->rx_done += put;
      if (put < count) {
        e->frame_count += skip + put;
        return finish(e, PAS_STATE_ABORTED, PAS_REASON_BUFFER_FULL);
      }
    }
  }

  e->frame_count += todo;
  if (e->total >= 0 && e->frame_count >= e->total)
    return finish(e, PAS_STATE_COMPLETE, PAS_REASON_COMPLETE);
  publish_stats(e);
  return PAS_CONTINUE;
}
