/*
 * The shared fixture of the callback engine's unit tests (callback*.test.c):
 * sample generators and reference converters, and fx_t, an engine with its
 * rings and stats driven directly with synthetic buffers, against
 * include/pastream/callback.h and the rules of DESIGN.md section 4. Every
 * callback made through fx_call also checks: the engine wrote exactly
 * frame_count output frames (guard bytes), read at most frame_count input
 * frames (exact-size input allocation, caught by ASan), the stats seqlock
 * is even, and every stats field equals the engine's own state. Static
 * inline functions: each test file includes this header once.
 */
#ifndef PASTREAM_CALLBACK_FIXTURE_H
#define PASTREAM_CALLBACK_FIXTURE_H

#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pastream/callback.h"
#include "pastream/layout.h"
#include "pastream/ring.h"
#include "test-harness.h"

#define GUARD 64
#define GUARD_BYTE 0xA5
#define OUT_FILL 0x5A        /* output bytes before a callback: never valid "silence" */
#define IN_BASE (1ull << 40) /* input frame numbers live apart from tx data numbers */

/* ---- samples ---- */

static inline uint32_t fsize(int fmt) { return pas_format_size(fmt); }

/* Sample of frame number `frame`, channel ch, in format fmt. Floats are
 * exact multiples of 2^-23 in [-1, 1) (never NaN); integer formats are
 * random bytes. */
static inline void make_sample(int fmt, uint64_t frame, uint32_t ch, uint8_t *dst) {
  uint64_t m = th_mix(frame * 1024 + ch);
  if (fmt == PAS_FORMAT_FLOAT32) {
    float f = (float)((int32_t)(m & 0xFFFFFF) - 0x800000) / 8388608.0f;
    memcpy(dst, &f, 4);
  } else {
    for (uint32_t b = 0; b < fsize(fmt); b++) dst[b] = (uint8_t)(m >> (8 * b));
  }
}

static inline void make_frames(int fmt, uint32_t channels, uint64_t first, uint32_t count, uint8_t *dst) {
  uint32_t ss = fsize(fmt);
  for (uint32_t i = 0; i < count; i++)
    for (uint32_t c = 0; c < channels; c++)
      make_sample(fmt, first + i, c, dst + ((size_t)i * channels + c) * ss);
}

static inline void silence_sample(int fmt, uint8_t *dst) {
  if (fmt == PAS_FORMAT_UINT8) dst[0] = 128;
  else memset(dst, 0, fsize(fmt));
}

static inline int32_t rd_i24(const uint8_t *p) {
  int32_t v = (int32_t)((uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16));
  return v >= 0x800000 ? v - 0x1000000 : v;
}

static inline void wr_i24(uint8_t *p, int32_t v) {
  uint32_t u = (uint32_t)v;
  p[0] = (uint8_t)u;
  p[1] = (uint8_t)(u >> 8);
  p[2] = (uint8_t)(u >> 16);
}

/* Reference conversions, written from the spec (DESIGN.md section 4). */
static inline float ref_to_float(int fmt, const uint8_t *p) {
  switch (fmt) {
    case PAS_FORMAT_INT32: {
      int32_t v;
      memcpy(&v, p, 4);
      return (float)((double)v / 2147483648.0);
    }
    case PAS_FORMAT_INT24: return (float)rd_i24(p) / 8388608.0f;
    case PAS_FORMAT_INT16: {
      int16_t v;
      memcpy(&v, p, 2);
      return (float)v / 32768.0f;
    }
    case PAS_FORMAT_INT8: return (float)(int8_t)p[0] / 128.0f;
    case PAS_FORMAT_UINT8: return (float)((int)p[0] - 128) / 128.0f;
    default: {
      float f;
      memcpy(&f, p, 4);
      return f;
    }
  }
}

static inline double ref_round_clamp(double x, double lo, double hi) {
  if (isnan(x)) return lo; /* any in-range value would do; see the clamp test */
  if (x <= lo) return lo;
  if (x >= hi) return hi;
  return rint(x);
}

static inline void ref_from_float(int fmt, float f, uint8_t *p) {
  switch (fmt) {
    case PAS_FORMAT_INT32: {
      int32_t v = (int32_t)ref_round_clamp((double)f * 2147483648.0, -2147483648.0, 2147483647.0);
      memcpy(p, &v, 4);
      break;
    }
    case PAS_FORMAT_INT24:
      wr_i24(p, (int32_t)ref_round_clamp((double)f * 8388608.0, -8388608.0, 8388607.0));
      break;
    case PAS_FORMAT_INT16: {
      int16_t v = (int16_t)ref_round_clamp((double)f * 32768.0, -32768.0, 32767.0);
      memcpy(p, &v, 2);
      break;
    }
    case PAS_FORMAT_INT8:
      p[0] = (uint8_t)(int8_t)ref_round_clamp((double)f * 128.0, -128.0, 127.0);
      break;
    case PAS_FORMAT_UINT8:
      p[0] = (uint8_t)((int)ref_round_clamp((double)f * 128.0, -128.0, 127.0) + 128);
      break;
    default: memcpy(p, &f, 4); break;
  }
}

/* ---- the fixture: an engine, its rings and stats, and a checked callback ---- */

typedef struct fx {
  pas_engine_t e;
  pas_engine_config_t c;
  uint8_t *tx_mem;
  size_t tx_bytes;
  pas_ring_t tx; /* the producer's view */
  uint8_t *rx_mem;
  size_t rx_bytes;
  pas_ring_t rx; /* the consumer's view */
  pas_stats_t *stats;
  uint32_t last_seq;
  /* callbacks */
  uint64_t in_next;  /* next generated input frame number */
  uint32_t ncalls;   /* fx_call count, drives the time info */
  int null_time;     /* pass time == NULL */
  uint8_t *out_alloc;
  uint8_t *out; /* last callback's output (out_n frames) */
  uint32_t out_n;
} fx_t;

static inline pas_engine_config_t mkcfg(uint32_t in, uint32_t out, int fmt, int devfmt, int64_t frames,
                                 int64_t pad) {
  pas_engine_config_t c;
  memset(&c, 0, sizeof c);
  pas_engine_config_defaults(&c);
  c.in_channels = in;
  c.out_channels = out;
  c.rx_channels = in;
  c.tx_channels = out;
  c.format = fmt;
  c.device_format = devfmt;
  c.frames = frames;
  c.pad = pad;
  c.offset = 0;
  c.loop = 0;
  return c;
}

static inline uint8_t *ring_alloc(uint32_t es, uint32_t cap, size_t *bytes, pas_ring_t *view) {
  *bytes = pas_ring_bytes(es, cap);
  uint8_t *m = th_alloc(*bytes);
  if (pas_ring_init(view, m, *bytes, es, cap) != PAS_RING_OK) {
    fprintf(stderr, "ring_alloc(%u, %u) failed\n", es, cap);
    exit(2);
  }
  return m;
}

/* Allocates rings (tx when tx_cap > 0, rx when rx_cap > 0) and the stats
 * block, then configures. Returns pas_engine_configure's code. */
static inline int fx_setup(fx_t *f, const pas_engine_config_t *c, uint32_t tx_cap, uint32_t rx_cap) {
  memset(f, 0, sizeof *f);
  f->c = *c;
  uint32_t ss = fsize(c->format) ? fsize(c->format) : 1;
  if (tx_cap > 0) f->tx_mem = ring_alloc(c->tx_channels * ss, tx_cap, &f->tx_bytes, &f->tx);
  if (rx_cap > 0) f->rx_mem = ring_alloc(c->rx_channels * ss, rx_cap, &f->rx_bytes, &f->rx);
  f->stats = th_alloc(PAS_STATS_BYTES);
  memset(f->stats, 0xCC, PAS_STATS_BYTES); /* configure must reset it */
  return pas_engine_configure(&f->e, c, f->tx_mem, f->tx_bytes, f->rx_mem, f->rx_bytes,
                              f->stats, PAS_STATS_BYTES);
}

static inline int fx_reconfigure(fx_t *f) {
  f->last_seq = 0;
  f->in_next = 0;
  return pas_engine_configure(&f->e, &f->c, f->tx_mem, f->tx_bytes, f->rx_mem, f->rx_bytes,
                              f->stats, PAS_STATS_BYTES);
}

static inline void fx_free(fx_t *f) {
  th_free(f->tx_mem);
  th_free(f->rx_mem);
  th_free(f->stats);
  th_free(f->out_alloc);
  memset(f, 0, sizeof *f);
}

static inline uint32_t seq_of(const pas_stats_t *s) {
  return atomic_load_explicit((const _Atomic uint32_t *)(const void *)&s->seq,
                              memory_order_acquire);
}

/* The stats block is published (even seq, not going back) and equals the engine. */
static inline void check_stats(fx_t *f, int line) {
  const pas_stats_t *s = f->stats;
  const pas_engine_t *e = &f->e;
  uint32_t seq = seq_of(s);
  CHECK_MSG(seq % 2 == 0, "line %d: stats seq %u is odd", line, seq);
  CHECK_MSG(seq >= f->last_seq, "line %d: stats seq went back %u -> %u", line, f->last_seq, seq);
  f->last_seq = seq;
#define SAME(field, value)                                                                  \
  CHECK_MSG((double)s->field == (double)(value), "line %d: stats." #field " %.17g != %.17g", \
            line, (double)s->field, (double)(value))
  SAME(state, e->state);
  SAME(reason, e->reason);
  SAME(status, e->status);
  SAME(xruns, e->xruns);
  SAME(input_underflows, e->input_underflows);
  SAME(input_overflows, e->input_overflows);
  SAME(output_underflows, e->output_underflows);
  SAME(output_overflows, e->output_overflows);
  SAME(callbacks, e->callbacks);
  SAME(frame_count, e->frame_count);
  SAME(total_frames, e->total);
  SAME(input_adc_time, e->last_time.input_adc_time);
  SAME(current_time, e->last_time.current_time);
  SAME(output_dac_time, e->last_time.output_dac_time);
  SAME(tx_frames, e->tx_done);
  SAME(rx_frames, e->rx_done);
#undef SAME
}

static inline pas_time_info_t time_of(uint32_t call) {
  pas_time_info_t t = {1000.0 + call * 0.5, 2000.0 + call * 0.25, 3000.0 + call * 0.125};
  return t;
}

/* One callback of n frames with the given input (NULL: generate the next
 * n input frames when the config has input), output captured in f->out. */
static inline int fx_call_in(fx_t *f, const void *input, uint32_t n, uint32_t flags, int line) {
  const pas_engine_config_t *c = &f->c;
  size_t in_bytes = (size_t)n * c->in_channels * fsize(c->device_format);
  size_t out_bytes = (size_t)n * c->out_channels * fsize(c->device_format);
  uint8_t *in = NULL;
  if (c->in_channels > 0) {
    in = malloc(in_bytes ? in_bytes : 1); /* exact size: ASan sees any overread */
    if (in == NULL) exit(2);
    if (input) memcpy(in, input, in_bytes);
    else make_frames(c->device_format, c->in_channels, IN_BASE + f->in_next, n, in);
    f->in_next += n;
  }
  th_free(f->out_alloc);
  f->out_alloc = NULL;
  f->out = NULL;
  if (c->out_channels > 0) {
    f->out_alloc = th_alloc(out_bytes + 2 * GUARD);
    memset(f->out_alloc, GUARD_BYTE, out_bytes + 2 * GUARD);
    f->out = f->out_alloc + GUARD;
    memset(f->out, OUT_FILL, out_bytes);
  }
  f->out_n = n;
  pas_time_info_t t = time_of(f->ncalls++);
  uint32_t state_before = f->e.state;
  int rc = pas_engine_process(&f->e, in, f->out, n, f->null_time ? NULL : &t, flags);
  free(in);
  CHECK_MSG(rc == PAS_CONTINUE || rc == PAS_COMPLETE || rc == PAS_ABORT,
            "line %d: bad result %d", line, rc);
  if (f->out_alloc) {
    int ok = 1;
    for (size_t i = 0; i < GUARD; i++)
      if (f->out_alloc[i] != GUARD_BYTE || f->out[out_bytes + i] != GUARD_BYTE) ok = 0;
    CHECK_MSG(ok, "line %d: output written outside its %u frames", line, n);
  }
  if (!f->null_time && state_before != PAS_STATE_COMPLETE && state_before != PAS_STATE_ABORTED) {
    CHECK_MSG(f->e.last_time.input_adc_time == t.input_adc_time &&
                  f->e.last_time.current_time == t.current_time &&
                  f->e.last_time.output_dac_time == t.output_dac_time,
              "line %d: time info not copied", line);
  }
  check_stats(f, line);
  return rc;
}

#define fx_call(f, n) fx_call_in((f), NULL, (n), 0, __LINE__)
#define fx_call_flags(f, n, flags) fx_call_in((f), NULL, (n), (flags), __LINE__)

/* Pushes data frames numbered first.. into the tx ring; all must fit. */
static inline void tx_push(fx_t *f, uint64_t first, uint32_t count) {
  size_t es = f->tx.elementsize;
  uint8_t *buf = malloc(es * count + 1);
  if (buf == NULL) exit(2);
  make_frames(f->c.format, f->c.tx_channels, first, count, buf);
  uint32_t w = pas_ring_write(&f->tx, buf, count);
  CHECK_MSG(w == count, "tx_push: ring took %u of %u frames", w, count);
  free(buf);
}

/* Output frame i of the last callback must be data frame idx[i] (mapped and
 * converted per config) or silence when idx[i] < 0. Returns the first bad
 * frame, or -1. */
static inline int64_t out_mismatch(const fx_t *f, const int64_t *idx) {
  const pas_engine_config_t *c = &f->c;
  uint32_t ss = fsize(c->format), ds = fsize(c->device_format);
  size_t stride = (size_t)c->out_channels * ds;
  uint8_t src[PAS_MAX_CHANNELS * 4], want[PAS_MAX_CHANNELS * 4];
  for (uint32_t i = 0; i < f->out_n; i++) {
    if (idx[i] >= 0) make_frames(c->format, c->tx_channels, (uint64_t)idx[i], 1, src);
    for (uint32_t k = 0; k < c->out_channels; k++) {
      uint8_t *o = want + (size_t)k * ds;
      int32_t m = c->txmapping[k];
      if (idx[i] < 0 || m == 0) silence_sample(c->device_format, o);
      else if (c->format == c->device_format) memcpy(o, src + (size_t)(m - 1) * ss, ss);
      else {
        float v = ref_to_float(c->format, src + (size_t)(m - 1) * ss);
        memcpy(o, &v, 4);
      }
    }
    if (memcmp(want, f->out + i * stride, stride) != 0) return i;
  }
  return -1;
}

/* Output is data frames first.. (ndata of them), then silence. */
static inline int64_t out_mismatch_run(const fx_t *f, int64_t first, uint32_t ndata) {
  int64_t *idx = malloc(sizeof(int64_t) * (f->out_n + 1));
  if (idx == NULL) exit(2);
  for (uint32_t i = 0; i < f->out_n; i++) idx[i] = i < ndata ? first + i : -1;
  int64_t bad = out_mismatch(f, idx);
  free(idx);
  return bad;
}

#define CHECK_OUT_RUN(f, first, ndata)                                                       \
  do {                                                                                       \
    int64_t bad_ = out_mismatch_run((f), (first), (ndata));                                  \
    CHECK_MSG(bad_ < 0, "output frame %lld wrong (expected data %lld.. x%u, then silence)", \
              (long long)bad_, (long long)(first), (unsigned)(ndata));                       \
  } while (0)

/* The rx ring holds exactly count frames recorded from input frames
 * first..; reads them out. Returns the first bad frame or -1. */
static inline int64_t rx_mismatch(fx_t *f, uint64_t first, uint32_t count) {
  const pas_engine_config_t *c = &f->c;
  uint32_t ss = fsize(c->format), ds = fsize(c->device_format);
  size_t es = f->rx.elementsize;
  if (pas_ring_read_available(&f->rx) != count) return -2;
  uint8_t *got = malloc(es * count + 1);
  if (got == NULL) exit(2);
  if (pas_ring_read(&f->rx, got, count) != count) {
    free(got);
    return -3;
  }
  uint8_t src[PAS_MAX_CHANNELS * 4], want[PAS_MAX_CHANNELS * 4];
  int64_t bad = -1;
  for (uint32_t i = 0; i < count && bad < 0; i++) {
    make_frames(c->device_format, c->in_channels, IN_BASE + first + i, 1, src);
    for (uint32_t k = 0; k < c->rx_channels; k++) {
      uint8_t *o = want + (size_t)k * ss;
      int32_t m = c->rxmapping[k];
      if (m == 0) silence_sample(c->format, o);
      else if (c->format == c->device_format) memcpy(o, src + (size_t)(m - 1) * ds, ss);
      else {
        float v;
        memcpy(&v, src + (size_t)(m - 1) * ds, 4);
        ref_from_float(c->format, v, o);
      }
    }
    if (memcmp(want, got + i * es, es) != 0) bad = i;
  }
  free(got);
  return bad;
}

#define CHECK_RX(f, first, count)                                                            \
  do {                                                                                       \
    uint32_t avail_ = pas_ring_read_available(&(f)->rx);                                     \
    int64_t bad_ = rx_mismatch((f), (first), (count));                                       \
    CHECK_MSG(bad_ == -1, "recording wrong: %s %lld (holds %u frames, expected %u from %llu)", \
              bad_ == -2 ? "frame count" : "frame", (long long)bad_, avail_, (unsigned)(count), \
              (unsigned long long)(first));                                                  \
  } while (0)

#endif
