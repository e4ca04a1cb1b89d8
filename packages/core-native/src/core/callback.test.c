/*
 * Unit tests of the callback engine (src/core/callback.c) driven directly
 * with synthetic buffers, against include/pastream/callback.h and the rules
 * of DESIGN.md section 4. Every callback made through fx_call also checks:
 * the engine wrote exactly frame_count output frames (guard bytes), read at
 * most frame_count input frames (exact-size input allocation, caught by
 * ASan), the stats seqlock is even, and every stats field equals the
 * engine's own state.
 *
 * Run with test names (substrings) as arguments to run only those.
 */
#define _POSIX_C_SOURCE 200809L

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

static uint32_t fsize(int fmt) { return pas_format_size(fmt); }

/* Sample of frame number `frame`, channel ch, in format fmt. Floats are
 * exact multiples of 2^-23 in [-1, 1) (never NaN); integer formats are
 * random bytes. */
static void make_sample(int fmt, uint64_t frame, uint32_t ch, uint8_t *dst) {
  uint64_t m = th_mix(frame * 1024 + ch);
  if (fmt == PAS_FORMAT_FLOAT32) {
    float f = (float)((int32_t)(m & 0xFFFFFF) - 0x800000) / 8388608.0f;
    memcpy(dst, &f, 4);
  } else {
    for (uint32_t b = 0; b < fsize(fmt); b++) dst[b] = (uint8_t)(m >> (8 * b));
  }
}

static void make_frames(int fmt, uint32_t channels, uint64_t first, uint32_t count, uint8_t *dst) {
  uint32_t ss = fsize(fmt);
  for (uint32_t i = 0; i < count; i++)
    for (uint32_t c = 0; c < channels; c++)
      make_sample(fmt, first + i, c, dst + ((size_t)i * channels + c) * ss);
}

static void silence_sample(int fmt, uint8_t *dst) {
  if (fmt == PAS_FORMAT_UINT8) dst[0] = 128;
  else memset(dst, 0, fsize(fmt));
}

static int32_t rd_i24(const uint8_t *p) {
  int32_t v = (int32_t)((uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16));
  return v >= 0x800000 ? v - 0x1000000 : v;
}

static void wr_i24(uint8_t *p, int32_t v) {
  uint32_t u = (uint32_t)v;
  p[0] = (uint8_t)u;
  p[1] = (uint8_t)(u >> 8);
  p[2] = (uint8_t)(u >> 16);
}

/* Reference conversions, written from the spec (DESIGN.md section 4). */
static float ref_to_float(int fmt, const uint8_t *p) {
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

static double ref_round_clamp(double x, double lo, double hi) {
  if (isnan(x)) return lo; /* any in-range value would do; see the clamp test */
  if (x <= lo) return lo;
  if (x >= hi) return hi;
  return rint(x);
}

static void ref_from_float(int fmt, float f, uint8_t *p) {
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

static pas_engine_config_t mkcfg(uint32_t in, uint32_t out, int fmt, int devfmt, int64_t frames,
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

static uint8_t *ring_alloc(uint32_t es, uint32_t cap, size_t *bytes, pas_ring_t *view) {
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
static int fx_setup(fx_t *f, const pas_engine_config_t *c, uint32_t tx_cap, uint32_t rx_cap) {
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

static int fx_reconfigure(fx_t *f) {
  f->last_seq = 0;
  f->in_next = 0;
  return pas_engine_configure(&f->e, &f->c, f->tx_mem, f->tx_bytes, f->rx_mem, f->rx_bytes,
                              f->stats, PAS_STATS_BYTES);
}

static void fx_free(fx_t *f) {
  free(f->tx_mem);
  free(f->rx_mem);
  free(f->stats);
  free(f->out_alloc);
  memset(f, 0, sizeof *f);
}

static uint32_t seq_of(const pas_stats_t *s) {
  return atomic_load_explicit((const _Atomic uint32_t *)(const void *)&s->seq,
                              memory_order_acquire);
}

/* The stats block is published (even seq, not going back) and equals the engine. */
static void check_stats(fx_t *f, int line) {
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

static pas_time_info_t time_of(uint32_t call) {
  pas_time_info_t t = {1000.0 + call * 0.5, 2000.0 + call * 0.25, 3000.0 + call * 0.125};
  return t;
}

/* One callback of n frames with the given input (NULL: generate the next
 * n input frames when the config has input), output captured in f->out. */
static int fx_call_in(fx_t *f, const void *input, uint32_t n, uint32_t flags, int line) {
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
  free(f->out_alloc);
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
static void tx_push(fx_t *f, uint64_t first, uint32_t count) {
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
static int64_t out_mismatch(const fx_t *f, const int64_t *idx) {
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
static int64_t out_mismatch_run(const fx_t *f, int64_t first, uint32_t ndata) {
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
static int64_t rx_mismatch(fx_t *f, uint64_t first, uint32_t count) {
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

/* ---- configuration ---- */

TEST(configure_errors) {
  fx_t f;
  pas_engine_config_t c;
  uint8_t stats[PAS_STATS_BYTES + 16] __attribute__((aligned(8)));
  pas_engine_t e;

  c = mkcfg(2, 2, PAS_FORMAT_FLOAT32, PAS_FORMAT_FLOAT32, -1, -1);
  CHECK_EQ_INT(fx_setup(&f, &c, 64, 64), PAS_ENGINE_OK);
  fx_free(&f);

  /* formats */
  c = mkcfg(0, 2, 0, PAS_FORMAT_FLOAT32, -1, -1);
  CHECK_EQ_INT(fx_setup(&f, &c, 0, 0), PAS_ENGINE_E_FORMAT);
  fx_free(&f);
  c = mkcfg(0, 2, 7, 7, -1, -1);
  CHECK_EQ_INT(fx_setup(&f, &c, 0, 0), PAS_ENGINE_E_FORMAT);
  fx_free(&f);
  c = mkcfg(0, 2, PAS_FORMAT_INT16, PAS_FORMAT_INT32, -1, -1); /* device must be == or float32 */
  CHECK_EQ_INT(fx_setup(&f, &c, 64, 0), PAS_ENGINE_E_FORMAT);
  fx_free(&f);
  c = mkcfg(0, 2, PAS_FORMAT_INT16, 0, -1, -1);
  CHECK_EQ_INT(fx_setup(&f, &c, 64, 0), PAS_ENGINE_E_FORMAT);
  fx_free(&f);
  c = mkcfg(0, 2, PAS_FORMAT_FLOAT32, PAS_FORMAT_INT16, -1, -1);
  CHECK_EQ_INT(fx_setup(&f, &c, 64, 0), PAS_ENGINE_E_FORMAT);
  fx_free(&f);
  for (int fmt = PAS_FORMAT_FLOAT32; fmt <= PAS_FORMAT_UINT8; fmt++) {
    c = mkcfg(1, 1, fmt, fmt, -1, -1);
    CHECK_EQ_INT(fx_setup(&f, &c, 16, 16), PAS_ENGINE_OK);
    fx_free(&f);
    c = mkcfg(1, 1, fmt, PAS_FORMAT_FLOAT32, -1, -1);
    CHECK_EQ_INT(fx_setup(&f, &c, 16, 16), PAS_ENGINE_OK);
    fx_free(&f);
  }

  /* channels */
  c = mkcfg(0, 0, PAS_FORMAT_FLOAT32, PAS_FORMAT_FLOAT32, -1, -1);
  CHECK_EQ_INT(fx_setup(&f, &c, 0, 0), PAS_ENGINE_E_CHANNELS);
  fx_free(&f);
  c = mkcfg(0, 257, PAS_FORMAT_INT8, PAS_FORMAT_INT8, -1, -1);
  CHECK_EQ_INT(fx_setup(&f, &c, 0, 0), PAS_ENGINE_E_CHANNELS);
  fx_free(&f);
  c = mkcfg(257, 0, PAS_FORMAT_INT8, PAS_FORMAT_INT8, -1, -1);
  CHECK_EQ_INT(fx_setup(&f, &c, 0, 0), PAS_ENGINE_E_CHANNELS);
  fx_free(&f);
  c = mkcfg(0, 2, PAS_FORMAT_INT8, PAS_FORMAT_INT8, -1, -1);
  c.tx_channels = 257;
  CHECK_EQ_INT(fx_setup(&f, &c, 0, 0), PAS_ENGINE_E_CHANNELS);
  fx_free(&f);
  c = mkcfg(2, 0, PAS_FORMAT_INT8, PAS_FORMAT_INT8, -1, -1);
  c.rx_channels = 257;
  CHECK_EQ_INT(fx_setup(&f, &c, 0, 0), PAS_ENGINE_E_CHANNELS);
  fx_free(&f);
  c = mkcfg(0, 2, PAS_FORMAT_INT8, PAS_FORMAT_INT8, -1, -1);
  c.tx_channels = 0; /* output with no data channels */
  CHECK_EQ_INT(fx_setup(&f, &c, 0, 0), PAS_ENGINE_E_CHANNELS);
  fx_free(&f);
  c = mkcfg(2, 0, PAS_FORMAT_INT8, PAS_FORMAT_INT8, -1, -1);
  c.rx_channels = 0;
  CHECK_EQ_INT(fx_setup(&f, &c, 0, 0), PAS_ENGINE_E_CHANNELS);
  fx_free(&f);
  c = mkcfg(256, 256, PAS_FORMAT_INT8, PAS_FORMAT_INT8, -1, -1); /* the maximum is fine */
  CHECK_EQ_INT(fx_setup(&f, &c, 16, 16), PAS_ENGINE_OK);
  fx_free(&f);

  /* rings */
  c = mkcfg(0, 2, PAS_FORMAT_INT16, PAS_FORMAT_INT16, -1, -1);
  CHECK_EQ_INT(fx_setup(&f, &c, 16, 0), PAS_ENGINE_OK);
  f.c.tx_channels = 1; /* ring elementsize is 4, config now says 2 */
  f.c.txmapping[1] = 0;
  CHECK_EQ_INT(fx_reconfigure(&f), PAS_ENGINE_E_TX_RING);
  f.c = c;
  f.c.format = f.c.device_format = PAS_FORMAT_INT8; /* 2 x 1 byte != 4 */
  CHECK_EQ_INT(fx_reconfigure(&f), PAS_ENGINE_E_TX_RING);
  f.c = c;
  CHECK_EQ_INT(pas_engine_configure(&f.e, &c, f.tx_mem, f.tx_bytes - 1, NULL, 0, f.stats,
                                    PAS_STATS_BYTES),
               PAS_ENGINE_E_TX_RING);
  memset(f.tx_mem, 0, 192); /* not a ring any more */
  CHECK_EQ_INT(fx_reconfigure(&f), PAS_ENGINE_E_TX_RING);
  /* tx memory may be NULL: an empty source */
  CHECK_EQ_INT(pas_engine_configure(&f.e, &c, NULL, 0, NULL, 0, f.stats, PAS_STATS_BYTES),
               PAS_ENGINE_OK);
  /* stats */
  CHECK_EQ_INT(pas_engine_configure(&f.e, &c, NULL, 0, NULL, 0, NULL, PAS_STATS_BYTES),
               PAS_ENGINE_E_STATS);
  CHECK_EQ_INT(pas_engine_configure(&f.e, &c, NULL, 0, NULL, 0, f.stats, PAS_STATS_BYTES - 1),
               PAS_ENGINE_E_STATS);
  CHECK_EQ_INT(pas_engine_configure(&e, &c, NULL, 0, NULL, 0, stats + 4, PAS_STATS_BYTES),
               PAS_ENGINE_E_STATS);
  CHECK_EQ_INT(pas_engine_configure(&e, &c, NULL, 0, NULL, 0, stats + 8, PAS_STATS_BYTES),
               PAS_ENGINE_OK);
  fx_free(&f);

  c = mkcfg(2, 0, PAS_FORMAT_INT16, PAS_FORMAT_INT16, -1, -1);
  CHECK_EQ_INT(fx_setup(&f, &c, 0, 16), PAS_ENGINE_OK);
  CHECK_EQ_INT(pas_engine_configure(&f.e, &c, NULL, 0, NULL, 0, f.stats, PAS_STATS_BYTES),
               PAS_ENGINE_E_NO_RX_RING);
  f.c.rx_channels = 1;
  f.c.rxmapping[0] = 1;
  CHECK_EQ_INT(fx_reconfigure(&f), PAS_ENGINE_E_RX_RING);
  f.c = c;
  CHECK_EQ_INT(pas_engine_configure(&f.e, &c, NULL, 0, f.rx_mem, f.rx_bytes - 1, f.stats,
                                    PAS_STATS_BYTES),
               PAS_ENGINE_E_RX_RING);
  /* offset */
  f.c.offset = -1;
  CHECK_EQ_INT(fx_reconfigure(&f), PAS_ENGINE_E_OFFSET);
  f.c.offset = 5;
  CHECK_EQ_INT(fx_reconfigure(&f), PAS_ENGINE_OK);
  fx_free(&f);

  /* messages */
  for (int code = 0; code >= -9; code--) {
    const char *m = pas_engine_strerror(code);
    CHECK(m != NULL && m[0] != '\0');
    for (int other = 0; other > code; other--)
      CHECK_MSG(strcmp(m, pas_engine_strerror(other)) != 0, "codes %d and %d share a message",
                code, other);
  }
  CHECK(pas_engine_strerror(-99) != NULL);
  CHECK(pas_engine_strerror(99) != NULL);

  /* sizes */
  CHECK_EQ_INT(pas_format_size(PAS_FORMAT_FLOAT32), 4);
  CHECK_EQ_INT(pas_format_size(PAS_FORMAT_INT32), 4);
  CHECK_EQ_INT(pas_format_size(PAS_FORMAT_INT24), 3);
  CHECK_EQ_INT(pas_format_size(PAS_FORMAT_INT16), 2);
  CHECK_EQ_INT(pas_format_size(PAS_FORMAT_INT8), 1);
  CHECK_EQ_INT(pas_format_size(PAS_FORMAT_UINT8), 1);
  CHECK_EQ_INT(pas_format_size(0), 0);
  CHECK_EQ_INT(pas_format_size(7), 0);
  CHECK_EQ_INT(pas_format_size(-1), 0);

  /* defaults: identity maps over all 256 channels */
  pas_engine_config_t d;
  memset(&d, 0, sizeof d);
  pas_engine_config_defaults(&d);
  int identity = 1;
  for (int k = 0; k < PAS_MAX_CHANNELS; k++)
    if (d.txmapping[k] != k + 1 || d.rxmapping[k] != k + 1) identity = 0;
  CHECK(identity);
}

TEST(mapping_errors) {
  fx_t f;
  pas_engine_config_t c;
  /* tx: out of range, negative, repeated */
  c = mkcfg(0, 2, PAS_FORMAT_FLOAT32, PAS_FORMAT_FLOAT32, -1, -1);
  int32_t bad_tx[][2] = {{1, 3}, {3, 0}, {-1, 1}, {1, 1}, {2, 2}, {INT32_MAX, 1}, {INT32_MIN, 0}};
  for (size_t i = 0; i < sizeof bad_tx / sizeof bad_tx[0]; i++) {
    c.txmapping[0] = bad_tx[i][0];
    c.txmapping[1] = bad_tx[i][1];
    CHECK_MSG(fx_setup(&f, &c, 16, 0) == PAS_ENGINE_E_TXMAPPING, "txmapping {%d,%d} accepted",
              bad_tx[i][0], bad_tx[i][1]);
    fx_free(&f);
  }
  int32_t good_tx[][2] = {{0, 0}, {2, 1}, {0, 2}, {1, 0}, {1, 2}};
  for (size_t i = 0; i < sizeof good_tx / sizeof good_tx[0]; i++) {
    c.txmapping[0] = good_tx[i][0];
    c.txmapping[1] = good_tx[i][1];
    CHECK_MSG(fx_setup(&f, &c, 16, 0) == PAS_ENGINE_OK, "txmapping {%d,%d} rejected",
              good_tx[i][0], good_tx[i][1]);
    fx_free(&f);
  }
  /* entries past out_channels are not looked at */
  c = mkcfg(0, 2, PAS_FORMAT_FLOAT32, PAS_FORMAT_FLOAT32, -1, -1);
  for (int k = 2; k < PAS_MAX_CHANNELS; k++) c.txmapping[k] = -7;
  c.rxmapping[0] = 999; /* no input: rxmapping is not looked at */
  CHECK_EQ_INT(fx_setup(&f, &c, 16, 0), PAS_ENGINE_OK);
  fx_free(&f);
  /* more output channels than data channels: 1 data channel to output 2 of 2 */
  c = mkcfg(0, 2, PAS_FORMAT_FLOAT32, PAS_FORMAT_FLOAT32, -1, -1);
  c.tx_channels = 1;
  c.txmapping[0] = 0;
  c.txmapping[1] = 1;
  CHECK_EQ_INT(fx_setup(&f, &c, 16, 0), PAS_ENGINE_OK);
  fx_free(&f);
  c.txmapping[0] = 2; /* there is no data channel 2 */
  CHECK_EQ_INT(fx_setup(&f, &c, 16, 0), PAS_ENGINE_E_TXMAPPING);
  fx_free(&f);

  /* rx: entries name device input channels */
  c = mkcfg(2, 0, PAS_FORMAT_INT16, PAS_FORMAT_INT16, -1, -1);
  int32_t bad_rx[][2] = {{1, 3}, {3, 0}, {-1, 1}, {1, 1}, {2, 2}, {INT32_MAX, 1}};
  for (size_t i = 0; i < sizeof bad_rx / sizeof bad_rx[0]; i++) {
    c.rxmapping[0] = bad_rx[i][0];
    c.rxmapping[1] = bad_rx[i][1];
    CHECK_MSG(fx_setup(&f, &c, 0, 16) == PAS_ENGINE_E_RXMAPPING, "rxmapping {%d,%d} accepted",
              bad_rx[i][0], bad_rx[i][1]);
    fx_free(&f);
  }
  c.rxmapping[0] = 0;
  c.rxmapping[1] = 0;
  CHECK_EQ_INT(fx_setup(&f, &c, 0, 16), PAS_ENGINE_OK);
  fx_free(&f);
  /* 3 recorded channels from 2 inputs: {2, 0, 1} ok, {2, 3, 1} not */
  c = mkcfg(2, 0, PAS_FORMAT_INT16, PAS_FORMAT_INT16, -1, -1);
  c.rx_channels = 3;
  c.rxmapping[0] = 2;
  c.rxmapping[1] = 0;
  c.rxmapping[2] = 1;
  CHECK_EQ_INT(fx_setup(&f, &c, 0, 16), PAS_ENGINE_OK);
  fx_free(&f);
  c.rxmapping[1] = 3;
  CHECK_EQ_INT(fx_setup(&f, &c, 0, 16), PAS_ENGINE_E_RXMAPPING);
  fx_free(&f);
  /* duplex: a bad rx map is reported as such even with a good tx map */
  c = mkcfg(2, 2, PAS_FORMAT_INT16, PAS_FORMAT_INT16, -1, -1);
  c.rxmapping[1] = 1;
  CHECK_EQ_INT(fx_setup(&f, &c, 16, 16), PAS_ENGINE_E_RXMAPPING);
  fx_free(&f);
  c = mkcfg(2, 2, PAS_FORMAT_INT16, PAS_FORMAT_INT16, -1, -1);
  c.txmapping[1] = 1;
  CHECK_EQ_INT(fx_setup(&f, &c, 16, 16), PAS_ENGINE_E_TXMAPPING);
  fx_free(&f);
}

TEST(configure_resets_stats_and_start) {
  fx_t f;
  pas_engine_config_t c = mkcfg(0, 2, PAS_FORMAT_FLOAT32, PAS_FORMAT_FLOAT32, 100, 0);
  REQUIRE_EQ_INT(fx_setup(&f, &c, 128, 0), PAS_ENGINE_OK);
  /* the 0xCC garbage is gone; the block is consistent and idle */
  const pas_stats_t *s = f.stats;
  CHECK_EQ_INT(seq_of(s) % 2, 0);
  CHECK_EQ_INT(s->state, PAS_STATE_IDLE);
  CHECK_EQ_INT(s->reason, PAS_REASON_NONE);
  CHECK_EQ_INT(s->status, 0);
  CHECK_EQ_INT(s->xruns, 0);
  CHECK_EQ_INT(s->callbacks, 0);
  CHECK_EQ_DBL(s->frame_count, 0);
  CHECK_EQ_DBL(s->total_frames, 100);
  CHECK_EQ_DBL(s->tx_frames, 0);
  CHECK_EQ_DBL(s->rx_frames, 0);
  CHECK_EQ_DBL(s->current_time, 0);
  check_stats(&f, __LINE__);
  uint32_t seq = seq_of(s);
  pas_engine_start(&f.e);
  CHECK_EQ_INT(s->state, PAS_STATE_RUNNING);
  CHECK(seq_of(s) > seq);
  check_stats(&f, __LINE__);
  fx_free(&f);

  /* total_frames: frames + pad; pad < 0 counts as 0; frames < 0: -1 */
  struct {
    int64_t frames, pad;
    double total;
  } cases[] = {{100, 0, 100}, {100, 50, 150}, {100, -1, 100}, {-1, 50, -1}, {-1, -1, -1},
               {0, 0, 0}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    c = mkcfg(0, 1, PAS_FORMAT_FLOAT32, PAS_FORMAT_FLOAT32, cases[i].frames, cases[i].pad);
    REQUIRE_EQ_INT(fx_setup(&f, &c, 16, 0), PAS_ENGINE_OK);
    CHECK_EQ_DBL(f.stats->total_frames, cases[i].total);
    fx_free(&f);
  }
}

/* ---- frames, pad, completion ---- */

TEST(frames_pad_exact) {
  fx_t f;
  pas_engine_config_t c = mkcfg(2, 2, PAS_FORMAT_FLOAT32, PAS_FORMAT_FLOAT32, 1000, 300);
  REQUIRE_EQ_INT(fx_setup(&f, &c, 2048, 2048), PAS_ENGINE_OK);
  tx_push(&f, 0, 1500); /* more than frames: the rest must stay */
  pas_engine_start(&f.e);
  for (int cb = 0; cb < 5; cb++) {
    CHECK_EQ_INT(fx_call(&f, 256), PAS_CONTINUE);
    int64_t first = cb * 256;
    uint32_t ndata = first + 256 <= 1000 ? 256 : (first < 1000 ? (uint32_t)(1000 - first) : 0);
    CHECK_OUT_RUN(&f, first, ndata);
    CHECK_EQ_DBL(f.stats->frame_count, (cb + 1) * 256);
    CHECK_EQ_INT(f.stats->state, PAS_STATE_RUNNING);
  }
  CHECK_EQ_INT(fx_call(&f, 256), PAS_COMPLETE); /* 1280 + 20 = 1300 */
  CHECK_OUT_RUN(&f, 0, 0);
  CHECK_EQ_DBL(f.stats->frame_count, 1300);
  CHECK_EQ_DBL(f.stats->total_frames, 1300);
  CHECK_EQ_DBL(f.stats->tx_frames, 1000);
  CHECK_EQ_DBL(f.stats->rx_frames, 1300);
  CHECK_EQ_INT(f.stats->state, PAS_STATE_COMPLETE);
  CHECK_EQ_INT(f.stats->reason, PAS_REASON_COMPLETE);
  CHECK_EQ_INT(f.stats->callbacks, 6);
  CHECK_EQ_INT(pas_ring_read_available(&f.tx), 500);
  CHECK_RX(&f, 0, 1300);
  fx_free(&f);
}

TEST(frame_count_exact_4800) {
  /* DESIGN.md 7: record(4800) must report 4800, not 4864 */
  fx_t f;
  pas_engine_config_t c = mkcfg(1, 0, PAS_FORMAT_INT16, PAS_FORMAT_INT16, 4800, 0);
  REQUIRE_EQ_INT(fx_setup(&f, &c, 0, 8192), PAS_ENGINE_OK);
  pas_engine_start(&f.e);
  int cb = 0, rc;
  while ((rc = fx_call(&f, 256)) == PAS_CONTINUE && cb < 100) cb++;
  CHECK_EQ_INT(rc, PAS_COMPLETE);
  CHECK_EQ_INT(cb + 1, 19);
  CHECK_EQ_DBL(f.stats->frame_count, 4800);
  CHECK_EQ_DBL(f.stats->rx_frames, 4800);
  CHECK_RX(&f, 0, 4800);
  fx_free(&f);

  /* playback of 4800 frames likewise */
  c = mkcfg(0, 2, PAS_FORMAT_INT16, PAS_FORMAT_INT16, 4800, 0);
  REQUIRE_EQ_INT(fx_setup(&f, &c, 8192, 0), PAS_ENGINE_OK);
  tx_push(&f, 0, 5000);
  pas_engine_start(&f.e);
  for (cb = 0; cb < 18; cb++) CHECK_EQ_INT(fx_call(&f, 256), PAS_CONTINUE);
  CHECK_EQ_INT(fx_call(&f, 256), PAS_COMPLETE);
  CHECK_OUT_RUN(&f, 18 * 256, 192);
  CHECK_EQ_DBL(f.stats->frame_count, 4800);
  CHECK_EQ_DBL(f.stats->tx_frames, 4800);
  CHECK_EQ_INT(pas_ring_read_available(&f.tx), 200);
  fx_free(&f);
}

TEST(zero_frames) {
  fx_t f;
  /* frames = 0, pad = 0: done at the first callback */
  pas_engine_config_t c = mkcfg(0, 1, PAS_FORMAT_FLOAT32, PAS_FORMAT_FLOAT32, 0, 0);
  REQUIRE_EQ_INT(fx_setup(&f, &c, 16, 0), PAS_ENGINE_OK);
  tx_push(&f, 0, 16);
  pas_engine_start(&f.e);
  CHECK_EQ_INT(fx_call(&f, 64), PAS_COMPLETE);
  CHECK_OUT_RUN(&f, 0, 0);
  CHECK_EQ_DBL(f.stats->frame_count, 0);
  CHECK_EQ_INT(pas_ring_read_available(&f.tx), 16);
  fx_free(&f);
  /* frames = 0, pad = 300, no tx ring at all: 300 zeros */
  c = mkcfg(0, 1, PAS_FORMAT_FLOAT32, PAS_FORMAT_FLOAT32, 0, 300);
  REQUIRE_EQ_INT(fx_setup(&f, &c, 0, 0), PAS_ENGINE_OK);
  pas_engine_start(&f.e);
  CHECK_EQ_INT(fx_call(&f, 256), PAS_CONTINUE);
  CHECK_OUT_RUN(&f, 0, 0);
  CHECK_EQ_INT(fx_call(&f, 256), PAS_COMPLETE);
  CHECK_OUT_RUN(&f, 0, 0);
  CHECK_EQ_DBL(f.stats->frame_count, 300);
  fx_free(&f);
}

TEST(variable_callback_sizes) {
  /* blocksize 0 hosts: every callback a different size, some empty */
  fx_t f;
  pas_engine_config_t c = mkcfg(2, 2, PAS_FORMAT_FLOAT32, PAS_FORMAT_FLOAT32, 3000, 500);
  c.offset = 123;
  REQUIRE_EQ_INT(fx_setup(&f, &c, 4096, 4096), PAS_ENGINE_OK);
  tx_push(&f, 0, 3000);
  pas_engine_start(&f.e);
  th_rng_t rng;
  th_rng_seed(&rng, 99);
  int64_t pos = 0;
  int rc = PAS_CONTINUE;
  for (int cb = 0; cb < 1000 && rc == PAS_CONTINUE && !TH_FAILED(); cb++) {
    uint32_t n = th_rng_range(&rng, 0, 6) == 0 ? 0 : th_rng_range(&rng, 1, 700);
    rc = fx_call(&f, n);
    int64_t data_left = pos < 3000 ? 3000 - pos : 0;
    CHECK_OUT_RUN(&f, pos, (uint32_t)(data_left < n ? data_left : n));
    int64_t end = pos + n < 3500 ? pos + n : 3500;
    CHECK_EQ_DBL(f.stats->frame_count, end);
    CHECK_EQ_INT(rc, end == 3500 ? PAS_COMPLETE : PAS_CONTINUE);
    pos = end;
  }
  CHECK_EQ_INT(rc, PAS_COMPLETE);
  CHECK_EQ_DBL(f.stats->tx_frames, 3000);
  CHECK_RX(&f, 123, 3500 - 123);
  fx_free(&f);
}

/* ---- autoframes: frames < 0, pad >= 0 ---- */

TEST(autoframes_basic) {
  fx_t f;
  pas_engine_config_t c = mkcfg(1, 2, PAS_FORMAT_FLOAT32, PAS_FORMAT_FLOAT32, -1, 100);
  REQUIRE_EQ_INT(fx_setup(&f, &c, 1024, 1024), PAS_ENGINE_OK);
  tx_push(&f, 0, 300);
  pas_engine_start(&f.e);
  CHECK_EQ_INT(fx_call(&f, 256), PAS_CONTINUE);
  CHECK_OUT_RUN(&f, 0, 256);
  CHECK_EQ_DBL(f.stats->total_frames, -1);
  /* dry after 44: total = 256 + 44 + 100 = 400, inside this callback */
  CHECK_EQ_INT(fx_call(&f, 256), PAS_COMPLETE);
  CHECK_OUT_RUN(&f, 256, 44);
  CHECK_EQ_DBL(f.stats->total_frames, 400);
  CHECK_EQ_DBL(f.stats->frame_count, 400);
  CHECK_EQ_DBL(f.stats->tx_frames, 300);
  CHECK_RX(&f, 0, 400); /* the recording covers data + pad */
  fx_free(&f);

  /* dry exactly at a callback boundary, pad 0 */
  c = mkcfg(0, 2, PAS_FORMAT_INT16, PAS_FORMAT_INT16, -1, 0);
  REQUIRE_EQ_INT(fx_setup(&f, &c, 1024, 0), PAS_ENGINE_OK);
  tx_push(&f, 0, 512);
  pas_engine_start(&f.e);
  CHECK_EQ_INT(fx_call(&f, 256), PAS_CONTINUE);
  CHECK_EQ_INT(fx_call(&f, 256), PAS_CONTINUE);
  CHECK_OUT_RUN(&f, 256, 256);
  CHECK_EQ_INT(fx_call(&f, 256), PAS_COMPLETE);
  CHECK_OUT_RUN(&f, 0, 0);
  CHECK_EQ_DBL(f.stats->frame_count, 512);
  CHECK_EQ_DBL(f.stats->total_frames, 512);
  fx_free(&f);

  /* empty from the start, pad 0: completes at once with 0 frames */
  c = mkcfg(0, 2, PAS_FORMAT_INT16, PAS_FORMAT_INT16, -1, 0);
  REQUIRE_EQ_INT(fx_setup(&f, &c, 1024, 0), PAS_ENGINE_OK);
  pas_engine_start(&f.e);
  CHECK_EQ_INT(fx_call(&f, 256), PAS_COMPLETE);
  CHECK_OUT_RUN(&f, 0, 0);
  CHECK_EQ_DBL(f.stats->frame_count, 0);
  fx_free(&f);
}

TEST(autoframes_late_data_stays_unplayed) {
  fx_t f;
  pas_engine_config_t c = mkcfg(0, 2, PAS_FORMAT_FLOAT32, PAS_FORMAT_FLOAT32, -1, 300);
  REQUIRE_EQ_INT(fx_setup(&f, &c, 1024, 0), PAS_ENGINE_OK);
  tx_push(&f, 0, 300);
  pas_engine_start(&f.e);
  CHECK_EQ_INT(fx_call(&f, 256), PAS_CONTINUE);
  CHECK_OUT_RUN(&f, 0, 256);
  /* dry after 44 frames: total = 256 + 44 + 300 = 600 */
  CHECK_EQ_INT(fx_call(&f, 256), PAS_CONTINUE);
  CHECK_OUT_RUN(&f, 256, 44);
  CHECK_EQ_DBL(f.stats->total_frames, 600);
  /* data written after the dry moment must not be played */
  tx_push(&f, 5000, 100);
  int rc = fx_call(&f, 256);
  CHECK_EQ_INT(rc, PAS_COMPLETE);
  CHECK_OUT_RUN(&f, 0, 0); /* 88 frames of pad, then nothing */
  CHECK_EQ_DBL(f.stats->frame_count, 600);
  CHECK_EQ_DBL(f.stats->total_frames, 600);
  CHECK_EQ_DBL(f.stats->tx_frames, 300);
  CHECK_EQ_INT(pas_ring_read_available(&f.tx), 100);
  fx_free(&f);
}

TEST(autoframes_pad_longer_than_callback) {
  /* pad 1000 > blocksize 256: total = 300 + 1000 = 1300, done in callback 6 */
  fx_t f;
  pas_engine_config_t c = mkcfg(0, 2, PAS_FORMAT_FLOAT32, PAS_FORMAT_FLOAT32, -1, 1000);
  REQUIRE_EQ_INT(fx_setup(&f, &c, 1024, 0), PAS_ENGINE_OK);
  tx_push(&f, 0, 300);
  pas_engine_start(&f.e);
  int rc = PAS_CONTINUE, cb = 0;
  while (rc == PAS_CONTINUE && cb < 20) {
    rc = fx_call(&f, 256);
    int64_t first = cb * 256;
    CHECK_OUT_RUN(&f, first, first >= 300 ? 0 : (first + 256 <= 300 ? 256 : (uint32_t)(300 - first)));
    cb++;
    if (cb >= 2) CHECK_MSG(f.stats->total_frames == 1300, "callback %d: total_frames %.0f", cb,
                           f.stats->total_frames);
  }
  CHECK_EQ_INT(rc, PAS_COMPLETE);
  CHECK_EQ_INT(cb, 6);
  CHECK_EQ_DBL(f.stats->frame_count, 1300);
  fx_free(&f);
}

TEST(autoframes_pad_across_callbacks) {
  /* 100 data frames, pad 200, blocksize 256: total 300, done in callback 2 */
  fx_t f;
  pas_engine_config_t c = mkcfg(0, 1, PAS_FORMAT_INT16, PAS_FORMAT_INT16, -1, 200);
  REQUIRE_EQ_INT(fx_setup(&f, &c, 1024, 0), PAS_ENGINE_OK);
  tx_push(&f, 0, 100);
  pas_engine_start(&f.e);
  CHECK_EQ_INT(fx_call(&f, 256), PAS_CONTINUE);
  CHECK_OUT_RUN(&f, 0, 100);
  CHECK_EQ_DBL(f.stats->total_frames, 300);
  CHECK_EQ_INT(fx_call(&f, 256), PAS_COMPLETE);
  CHECK_OUT_RUN(&f, 0, 0);
  CHECK_EQ_DBL(f.stats->frame_count, 300);
  CHECK_EQ_DBL(f.stats->total_frames, 300);
  fx_free(&f);
}

/* ---- pad < 0 ---- */

TEST(pad_auto_with_frames) {
  fx_t f;
  pas_engine_config_t c = mkcfg(0, 2, PAS_FORMAT_FLOAT32, PAS_FORMAT_FLOAT32, 1000, -1);
  REQUIRE_EQ_INT(fx_setup(&f, &c, 1024, 0), PAS_ENGINE_OK);
  tx_push(&f, 0, 300);
  pas_engine_start(&f.e);
  CHECK_EQ_INT(fx_call(&f, 256), PAS_CONTINUE);
  CHECK_OUT_RUN(&f, 0, 256);
  CHECK_EQ_INT(fx_call(&f, 256), PAS_CONTINUE); /* ran dry: zeros, no abort */
  CHECK_OUT_RUN(&f, 256, 44);
  CHECK_EQ_DBL(f.stats->total_frames, 1000);
  tx_push(&f, 300, 100); /* late data is played: only the empty ring plays zeros */
  CHECK_EQ_INT(fx_call(&f, 256), PAS_CONTINUE);
  CHECK_OUT_RUN(&f, 300, 100);
  CHECK_EQ_INT(fx_call(&f, 256), PAS_COMPLETE); /* 768 + 232 = 1000 */
  CHECK_OUT_RUN(&f, 0, 0);
  CHECK_EQ_DBL(f.stats->frame_count, 1000);
  CHECK_EQ_DBL(f.stats->tx_frames, 400);
  CHECK_EQ_INT(f.stats->reason, PAS_REASON_COMPLETE);
  fx_free(&f);

  /* more data than frames: exactly frames are played */
  REQUIRE_EQ_INT(fx_setup(&f, &c, 4096, 0), PAS_ENGINE_OK);
  tx_push(&f, 0, 2000);
  pas_engine_start(&f.e);
  for (int cb = 0; cb < 3; cb++) CHECK_EQ_INT(fx_call(&f, 256), PAS_CONTINUE);
  CHECK_EQ_INT(fx_call(&f, 256), PAS_COMPLETE);
  CHECK_OUT_RUN(&f, 768, 232);
  CHECK_EQ_DBL(f.stats->tx_frames, 1000);
  CHECK_EQ_INT(pas_ring_read_available(&f.tx), 1000);
  fx_free(&f);
}

TEST(pad_auto_unbounded) {
  fx_t f;
  pas_engine_config_t c = mkcfg(0, 2, PAS_FORMAT_INT24, PAS_FORMAT_INT24, -1, -1);
  REQUIRE_EQ_INT(fx_setup(&f, &c, 1024, 0), PAS_ENGINE_OK);
  tx_push(&f, 0, 300);
  pas_engine_start(&f.e);
  int64_t next = 0, avail = 300;
  for (int cb = 0; cb < 50 && !TH_FAILED(); cb++) {
    if (cb == 20) {
      tx_push(&f, 300, 700);
      avail += 700;
    }
    CHECK_EQ_INT(fx_call(&f, 256), PAS_CONTINUE);
    uint32_t ndata = (uint32_t)(avail - next < 256 ? avail - next : 256);
    CHECK_OUT_RUN(&f, next, ndata);
    next += ndata;
    CHECK_EQ_DBL(f.stats->frame_count, (cb + 1) * 256.0);
    CHECK_EQ_DBL(f.stats->total_frames, -1);
  }
  CHECK_EQ_DBL(f.stats->tx_frames, 1000);
  CHECK_EQ_INT(f.stats->state, PAS_STATE_RUNNING);
  fx_free(&f);
}

/* ---- BufferEmpty, BufferFull ---- */

TEST(buffer_empty) {
  fx_t f;
  pas_engine_config_t c = mkcfg(0, 2, PAS_FORMAT_FLOAT32, PAS_FORMAT_FLOAT32, 1000, 0);
  REQUIRE_EQ_INT(fx_setup(&f, &c, 1024, 0), PAS_ENGINE_OK);
  tx_push(&f, 0, 300);
  pas_engine_start(&f.e);
  CHECK_EQ_INT(fx_call(&f, 256), PAS_CONTINUE);
  CHECK_EQ_INT(fx_call(&f, 256), PAS_ABORT);
  CHECK_OUT_RUN(&f, 256, 44);
  CHECK_EQ_INT(f.stats->state, PAS_STATE_ABORTED);
  CHECK_EQ_INT(f.stats->reason, PAS_REASON_BUFFER_EMPTY);
  CHECK_EQ_DBL(f.stats->frame_count, 300);
  CHECK_EQ_DBL(f.stats->tx_frames, 300);
  /* later callbacks keep aborting, with silence, counting nothing */
  tx_push(&f, 300, 100);
  CHECK_EQ_INT(fx_call(&f, 256), PAS_ABORT);
  CHECK_OUT_RUN(&f, 0, 0);
  CHECK_EQ_DBL(f.stats->frame_count, 300);
  CHECK_EQ_INT(f.stats->callbacks, 2);
  CHECK_EQ_INT(pas_ring_read_available(&f.tx), 100);
  fx_free(&f);

  /* with pad > 0 and nothing at all */
  c = mkcfg(0, 2, PAS_FORMAT_FLOAT32, PAS_FORMAT_FLOAT32, 1000, 50);
  REQUIRE_EQ_INT(fx_setup(&f, &c, 1024, 0), PAS_ENGINE_OK);
  pas_engine_start(&f.e);
  CHECK_EQ_INT(fx_call(&f, 256), PAS_ABORT);
  CHECK_EQ_INT(f.stats->reason, PAS_REASON_BUFFER_EMPTY);
  CHECK_EQ_DBL(f.stats->frame_count, 0);
  CHECK_OUT_RUN(&f, 0, 0);
  fx_free(&f);

  /* no tx ring at all with frames > 0 */
  c = mkcfg(0, 1, PAS_FORMAT_INT16, PAS_FORMAT_INT16, 10, 0);
  REQUIRE_EQ_INT(fx_setup(&f, &c, 0, 0), PAS_ENGINE_OK);
  pas_engine_start(&f.e);
  CHECK_EQ_INT(fx_call(&f, 64), PAS_ABORT);
  CHECK_EQ_INT(f.stats->reason, PAS_REASON_BUFFER_EMPTY);
  fx_free(&f);
}

TEST(buffer_full) {
  fx_t f;
  pas_engine_config_t c = mkcfg(2, 0, PAS_FORMAT_INT16, PAS_FORMAT_INT16, -1, 0);
  REQUIRE_EQ_INT(fx_setup(&f, &c, 0, 512), PAS_ENGINE_OK);
  pas_engine_start(&f.e);
  CHECK_EQ_INT(fx_call(&f, 200), PAS_CONTINUE);
  CHECK_EQ_INT(fx_call(&f, 200), PAS_CONTINUE);
  CHECK_EQ_INT(fx_call(&f, 200), PAS_ABORT); /* 112 of 200 fit */
  CHECK_EQ_INT(f.stats->state, PAS_STATE_ABORTED);
  CHECK_EQ_INT(f.stats->reason, PAS_REASON_BUFFER_FULL);
  CHECK_EQ_DBL(f.stats->rx_frames, 512);
  CHECK_EQ_DBL(f.stats->frame_count, 512);
  CHECK_RX(&f, 0, 512); /* the frames that fit are kept, in order */
  /* after the abort nothing more is written, even with room */
  CHECK_EQ_INT(fx_call(&f, 200), PAS_ABORT);
  CHECK_EQ_INT(pas_ring_read_available(&f.rx), 0);
  CHECK_EQ_DBL(f.stats->rx_frames, 512);
  fx_free(&f);

  /* a consumer that keeps up: never full */
  REQUIRE_EQ_INT(fx_setup(&f, &c, 0, 512), PAS_ENGINE_OK);
  pas_engine_start(&f.e);
  for (int cb = 0; cb < 100 && !TH_FAILED(); cb++) {
    CHECK_EQ_INT(fx_call(&f, 300), PAS_CONTINUE);
    CHECK_RX(&f, (uint64_t)cb * 300, 300);
  }
  fx_free(&f);

  /* full exactly at a callback end: fine until the next frame */
  REQUIRE_EQ_INT(fx_setup(&f, &c, 0, 512), PAS_ENGINE_OK);
  pas_engine_start(&f.e);
  CHECK_EQ_INT(fx_call(&f, 256), PAS_CONTINUE);
  CHECK_EQ_INT(fx_call(&f, 256), PAS_CONTINUE);
  CHECK_EQ_INT(fx_call(&f, 0), PAS_CONTINUE);
  CHECK_EQ_INT(fx_call(&f, 1), PAS_ABORT);
  CHECK_EQ_DBL(f.stats->frame_count, 512);
  CHECK_EQ_INT(f.stats->reason, PAS_REASON_BUFFER_FULL);
  fx_free(&f);
}

/* ---- offset ---- */

TEST(offset) {
  fx_t f;
  /* recording holds frames + pad - offset = 900 frames: inputs 300..1199 */
  pas_engine_config_t c = mkcfg(1, 0, PAS_FORMAT_INT16, PAS_FORMAT_INT16, 1000, 200);
  c.offset = 300;
  REQUIRE_EQ_INT(fx_setup(&f, &c, 0, 2048), PAS_ENGINE_OK);
  pas_engine_start(&f.e);
  for (int cb = 0; cb < 4; cb++) CHECK_EQ_INT(fx_call(&f, 256), PAS_CONTINUE);
  CHECK_EQ_INT(fx_call(&f, 256), PAS_COMPLETE);
  CHECK_EQ_DBL(f.stats->frame_count, 1200);
  CHECK_EQ_DBL(f.stats->rx_frames, 900);
  CHECK_RX(&f, 300, 900);
  fx_free(&f);

  /* duplex playrec: offset counts from the stream start */
  c = mkcfg(2, 2, PAS_FORMAT_INT24, PAS_FORMAT_INT24, 1000, 0);
  c.offset = 50;
  REQUIRE_EQ_INT(fx_setup(&f, &c, 1024, 1024), PAS_ENGINE_OK);
  tx_push(&f, 0, 1000);
  pas_engine_start(&f.e);
  for (int cb = 0; cb < 3; cb++) {
    CHECK_EQ_INT(fx_call(&f, 256), PAS_CONTINUE);
    CHECK_OUT_RUN(&f, cb * 256, 256);
  }
  CHECK_EQ_INT(fx_call(&f, 256), PAS_COMPLETE);
  CHECK_OUT_RUN(&f, 768, 232);
  CHECK_RX(&f, 50, 950);
  fx_free(&f);

  /* offset beyond the end: nothing recorded, still completes on time */
  c = mkcfg(1, 0, PAS_FORMAT_FLOAT32, PAS_FORMAT_FLOAT32, 100, 0);
  c.offset = 500;
  REQUIRE_EQ_INT(fx_setup(&f, &c, 0, 256), PAS_ENGINE_OK);
  pas_engine_start(&f.e);
  CHECK_EQ_INT(fx_call(&f, 64), PAS_CONTINUE);
  CHECK_EQ_INT(fx_call(&f, 64), PAS_COMPLETE);
  CHECK_EQ_DBL(f.stats->frame_count, 100);
  CHECK_RX(&f, 0, 0);
  fx_free(&f);

  /* unbounded recording: only the first offset frames go */
  c = mkcfg(1, 0, PAS_FORMAT_UINT8, PAS_FORMAT_UINT8, -1, -1);
  c.offset = 10;
  REQUIRE_EQ_INT(fx_setup(&f, &c, 0, 1024), PAS_ENGINE_OK);
  pas_engine_start(&f.e);
  CHECK_EQ_INT(fx_call(&f, 7), PAS_CONTINUE);
  CHECK_EQ_INT(fx_call(&f, 7), PAS_CONTINUE);
  CHECK_EQ_INT(fx_call(&f, 100), PAS_CONTINUE);
  CHECK_RX(&f, 10, 104);
  fx_free(&f);

  /* offset one more than a callback, then exactly the rest of the next */
  c.offset = 8;
  REQUIRE_EQ_INT(fx_setup(&f, &c, 0, 1024), PAS_ENGINE_OK);
  pas_engine_start(&f.e);
  CHECK_EQ_INT(fx_call(&f, 7), PAS_CONTINUE);
  CHECK_RX(&f, 0, 0);
  CHECK_EQ_INT(fx_call(&f, 1), PAS_CONTINUE);
  CHECK_RX(&f, 0, 0);
  CHECK_EQ_INT(fx_call(&f, 7), PAS_CONTINUE);
  CHECK_RX(&f, 8, 7);
  CHECK_EQ_DBL(f.stats->frame_count, 15);
  fx_free(&f);
}

/* ---- loop ---- */

TEST(loop_five_times) {
  fx_t f;
  pas_engine_config_t c = mkcfg(0, 2, PAS_FORMAT_INT16, PAS_FORMAT_INT16, 5000, 0);
  c.loop = 1;
  REQUIRE_EQ_INT(fx_setup(&f, &c, 2048, 0), PAS_ENGINE_OK);
  /* move the ring's indices so the loop data wraps around the ring's end */
  tx_push(&f, 900000, 1500);
  CHECK_EQ_INT(pas_ring_flush(&f.tx), 1500); /* single-threaded here: we may act as consumer */
  tx_push(&f, 0, 1000);
  REQUIRE_EQ_INT(fx_reconfigure(&f), PAS_ENGINE_OK); /* loop start = read index now */
  pas_engine_start(&f.e);
  int64_t *idx = malloc(sizeof(int64_t) * 256);
  REQUIRE(idx != NULL);
  int rc = PAS_CONTINUE, cb;
  for (cb = 0; rc == PAS_CONTINUE && cb < 40 && !TH_FAILED(); cb++) {
    rc = fx_call(&f, 256);
    for (int i = 0; i < 256; i++) {
      int64_t pos = (int64_t)cb * 256 + i;
      idx[i] = pos < 5000 ? pos % 1000 : -1;
    }
    int64_t bad = out_mismatch(&f, idx);
    CHECK_MSG(bad < 0, "callback %d: frame %lld is not loop frame %lld", cb, (long long)bad,
              bad >= 0 ? (long long)idx[bad] : -1LL);
  }
  free(idx);
  CHECK_EQ_INT(rc, PAS_COMPLETE);
  CHECK_EQ_INT(cb, 20);
  CHECK_EQ_DBL(f.stats->frame_count, 5000);
  CHECK_EQ_DBL(f.stats->tx_frames, 5000); /* repeats included */
  fx_free(&f);
}

TEST(loop_shorter_than_callback) {
  fx_t f;
  pas_engine_config_t c = mkcfg(0, 1, PAS_FORMAT_FLOAT32, PAS_FORMAT_FLOAT32, -1, -1);
  c.loop = 1;
  REQUIRE_EQ_INT(fx_setup(&f, &c, 128, 0), PAS_ENGINE_OK);
  tx_push(&f, 0, 100);
  pas_engine_start(&f.e);
  int64_t idx[256];
  for (int cb = 0; cb < 10 && !TH_FAILED(); cb++) {
    CHECK_EQ_INT(fx_call(&f, 256), PAS_CONTINUE);
    for (int i = 0; i < 256; i++) idx[i] = ((int64_t)cb * 256 + i) % 100;
    int64_t bad = out_mismatch(&f, idx);
    CHECK_MSG(bad < 0, "callback %d: frame %lld wrong", cb, (long long)bad);
  }
  CHECK_EQ_DBL(f.stats->tx_frames, 2560);
  fx_free(&f);

  /* a 1-frame loop */
  c = mkcfg(0, 2, PAS_FORMAT_INT8, PAS_FORMAT_INT8, 1000, 0);
  c.loop = 1;
  REQUIRE_EQ_INT(fx_setup(&f, &c, 4, 0), PAS_ENGINE_OK);
  tx_push(&f, 42, 1);
  pas_engine_start(&f.e);
  for (int cb = 0; cb < 3; cb++) {
    CHECK_EQ_INT(fx_call(&f, 256), PAS_CONTINUE);
    for (int i = 0; i < 256; i++) idx[i] = 42;
    CHECK(out_mismatch(&f, idx) < 0);
  }
  CHECK_EQ_INT(fx_call(&f, 256), PAS_COMPLETE);
  for (int i = 0; i < 256; i++) idx[i] = i < 232 ? 42 : -1;
  CHECK(out_mismatch(&f, idx) < 0);
  fx_free(&f);

  /* loop over an empty ring: silence with pad < 0, no hang */
  c = mkcfg(0, 1, PAS_FORMAT_FLOAT32, PAS_FORMAT_FLOAT32, -1, -1);
  c.loop = 1;
  REQUIRE_EQ_INT(fx_setup(&f, &c, 16, 0), PAS_ENGINE_OK);
  pas_engine_start(&f.e);
  CHECK_EQ_INT(fx_call(&f, 64), PAS_CONTINUE);
  CHECK_OUT_RUN(&f, 0, 0);
  fx_free(&f);
  /* ... and BufferEmpty with pad >= 0 and frames >= 0 */
  c.frames = 10;
  c.pad = 0;
  REQUIRE_EQ_INT(fx_setup(&f, &c, 16, 0), PAS_ENGINE_OK);
  pas_engine_start(&f.e);
  CHECK_EQ_INT(fx_call(&f, 64), PAS_ABORT);
  CHECK_EQ_INT(f.stats->reason, PAS_REASON_BUFFER_EMPTY);
  fx_free(&f);
}

/* ---- channel maps ---- */

static void check_tx_map(int fmt, int devfmt, uint32_t txch, uint32_t outch, const int32_t *map,
                         const char *what) {
  fx_t f;
  pas_engine_config_t c = mkcfg(0, outch, fmt, devfmt, 600, 0);
  c.tx_channels = txch;
  for (uint32_t k = 0; k < outch; k++) c.txmapping[k] = map[k];
  int rc = fx_setup(&f, &c, 1024, 0);
  CHECK_MSG(rc == PAS_ENGINE_OK, "%s: configure %d", what, rc);
  if (rc != PAS_ENGINE_OK) {
    fx_free(&f);
    return;
  }
  tx_push(&f, 0, 600);
  pas_engine_start(&f.e);
  for (int cb = 0; cb < 3; cb++) {
    int r = fx_call(&f, 256);
    CHECK_MSG(r == (cb < 2 ? PAS_CONTINUE : PAS_COMPLETE), "%s: callback %d result %d", what, cb,
              r);
    int64_t bad = out_mismatch_run(&f, cb * 256, cb < 2 ? 256 : 88);
    CHECK_MSG(bad < 0, "%s: callback %d frame %lld wrong", what, cb, (long long)bad);
  }
  fx_free(&f);
}

/* One channel-map case: `from` channels mapped to `to` by `map`. */
typedef struct {
  const char *name;
  uint32_t from, to;
  const int32_t *map;
} map_case_t;

typedef void (*map_check_t)(int fmt, int devfmt, uint32_t from, uint32_t to, const int32_t *map, const char *what);

/* Runs `check` on every case, for every sample format, with the device in
 * that format and in float32 (the engine converting). */
static void check_maps_all_formats(map_check_t check, const map_case_t *cases, size_t count) {
  static const int fmts[] = {PAS_FORMAT_FLOAT32, PAS_FORMAT_INT32, PAS_FORMAT_INT24,
                             PAS_FORMAT_INT16,   PAS_FORMAT_INT8,  PAS_FORMAT_UINT8};
  char what[96];
  for (size_t i = 0; i < sizeof fmts / sizeof fmts[0]; i++) {
    for (int conv = 0; conv < 2; conv++) {
      int dev = conv ? PAS_FORMAT_FLOAT32 : fmts[i];
      for (size_t k = 0; k < count; k++) {
        snprintf(what, sizeof what, "fmt %d dev %d %s", fmts[i], dev, cases[k].name);
        check(fmts[i], dev, cases[k].from, cases[k].to, cases[k].map, what);
      }
    }
  }
}

TEST(tx_mapping) {
  const int32_t swap[] = {2, 1};
  const int32_t move[] = {3, 0, 1, 0};
  const int32_t second_of_two[] = {0, 1};
  const int32_t pick[] = {4, 2};
  const int32_t zeros[] = {0, 0};
  const int32_t ident[] = {1, 2};
  const map_case_t cases[] = {
      {"swap", 2, 2, swap},
      {"move 3->4", 3, 4, move},
      {"1 data ch to out 2 of 2", 1, 2, second_of_two},
      {"pick 2 of 4", 4, 2, pick},
      {"zeros", 2, 2, zeros},
      {"first 2 of 3", 3, 2, ident}, /* an identity prefix is not identity */
      {"first 1 of 2", 2, 1, ident},
      {"identity", 2, 2, ident},
  };
  check_maps_all_formats(check_tx_map, cases, sizeof cases / sizeof cases[0]);
  /* spot check one case by hand, independent of the helpers above */
  fx_t f;
  pas_engine_config_t c = mkcfg(0, 2, PAS_FORMAT_INT16, PAS_FORMAT_INT16, -1, -1);
  c.tx_channels = 1;
  c.txmapping[0] = 0;
  c.txmapping[1] = 1;
  REQUIRE_EQ_INT(fx_setup(&f, &c, 16, 0), PAS_ENGINE_OK);
  int16_t mono[3] = {1111, -2222, 3333};
  CHECK_EQ_INT(pas_ring_write(&f.tx, mono, 3), 3);
  pas_engine_start(&f.e);
  fx_call(&f, 4);
  int16_t out[8];
  memcpy(out, f.out, sizeof out);
  CHECK(out[0] == 0 && out[1] == 1111 && out[2] == 0 && out[3] == -2222);
  CHECK(out[4] == 0 && out[5] == 3333 && out[6] == 0 && out[7] == 0);
  fx_free(&f);
}

static void check_rx_map(int fmt, int devfmt, uint32_t inch, uint32_t rxch, const int32_t *map,
                         const char *what) {
  fx_t f;
  pas_engine_config_t c = mkcfg(inch, 0, fmt, devfmt, 600, 0);
  c.rx_channels = rxch;
  for (uint32_t k = 0; k < rxch; k++) c.rxmapping[k] = map[k];
  int rc = fx_setup(&f, &c, 0, 1024);
  CHECK_MSG(rc == PAS_ENGINE_OK, "%s: configure %d", what, rc);
  if (rc != PAS_ENGINE_OK) {
    fx_free(&f);
    return;
  }
  pas_engine_start(&f.e);
  for (int cb = 0; cb < 3; cb++) fx_call(&f, 256);
  CHECK_MSG(f.stats->state == PAS_STATE_COMPLETE, "%s: not complete", what);
  uint32_t avail = pas_ring_read_available(&f.rx);
  int64_t bad = rx_mismatch(&f, 0, 600);
  CHECK_MSG(bad == -1, "%s: recorded frame %lld wrong (%u frames)", what, (long long)bad, avail);
  fx_free(&f);
}

TEST(rx_mapping) {
  const int32_t swap[] = {2, 1};
  const int32_t pick[] = {3, 1};
  const int32_t zero_first[] = {0, 2};
  const int32_t spread[] = {0, 1};
  const int32_t zeros[] = {0, 0};
  const int32_t ident[] = {1, 2};
  const map_case_t cases[] = {
      {"swap", 2, 2, swap},
      {"pick 3,1 of 3", 3, 2, pick},
      {"zero first", 2, 2, zero_first},
      {"1 input to rx ch 2 of 2", 1, 2, spread},
      {"zeros", 2, 2, zeros},
      {"first 2 of 3", 3, 2, ident},
      {"first 1 of 2", 2, 1, ident},
      {"identity", 2, 2, ident},
  };
  check_maps_all_formats(check_rx_map, cases, sizeof cases / sizeof cases[0]);
  /* by hand: uint8 silence is 128 */
  fx_t f;
  pas_engine_config_t c = mkcfg(2, 0, PAS_FORMAT_UINT8, PAS_FORMAT_UINT8, -1, -1);
  c.rxmapping[0] = 0;
  c.rxmapping[1] = 1;
  REQUIRE_EQ_INT(fx_setup(&f, &c, 0, 16), PAS_ENGINE_OK);
  pas_engine_start(&f.e);
  uint8_t in[4] = {10, 20, 30, 40};
  CHECK_EQ_INT(fx_call_in(&f, in, 2, 0, __LINE__), PAS_CONTINUE);
  uint8_t rec[4];
  CHECK_EQ_INT(pas_ring_read(&f.rx, rec, 2), 2);
  CHECK(rec[0] == 128 && rec[1] == 10 && rec[2] == 128 && rec[3] == 30);
  fx_free(&f);
}

TEST(uint8_silence_is_128) {
  fx_t f;
  pas_engine_config_t c = mkcfg(0, 2, PAS_FORMAT_UINT8, PAS_FORMAT_UINT8, 10, 20);
  REQUIRE_EQ_INT(fx_setup(&f, &c, 16, 0), PAS_ENGINE_OK);
  tx_push(&f, 0, 10);
  pas_engine_start(&f.e);
  CHECK_EQ_INT(fx_call(&f, 64), PAS_COMPLETE);
  CHECK_OUT_RUN(&f, 0, 10);
  CHECK(f.out[2 * 10] == 128 && f.out[2 * 64 - 1] == 128);
  CHECK_EQ_INT(fx_call(&f, 64), PAS_COMPLETE); /* after completion: silence too */
  int all = 1;
  for (int i = 0; i < 128; i++)
    if (f.out[i] != 128) all = 0;
  CHECK(all);
  fx_free(&f);
  /* converted to float32, uint8 silence is 0.0f */
  c = mkcfg(0, 1, PAS_FORMAT_UINT8, PAS_FORMAT_FLOAT32, 1, 3);
  REQUIRE_EQ_INT(fx_setup(&f, &c, 16, 0), PAS_ENGINE_OK);
  uint8_t one = 192;
  CHECK_EQ_INT(pas_ring_write(&f.tx, &one, 1), 1);
  pas_engine_start(&f.e);
  CHECK_EQ_INT(fx_call(&f, 4), PAS_COMPLETE);
  float o[4];
  memcpy(o, f.out, sizeof o);
  CHECK(o[0] == 0.5f && o[1] == 0.0f && o[2] == 0.0f && o[3] == 0.0f);
  fx_free(&f);
}

/* ---- counters, time, stats ---- */

TEST(status_flag_counters) {
  fx_t f;
  pas_engine_config_t c = mkcfg(1, 1, PAS_FORMAT_FLOAT32, PAS_FORMAT_FLOAT32, -1, -1);
  REQUIRE_EQ_INT(fx_setup(&f, &c, 64, 4096), PAS_ENGINE_OK);
  pas_engine_start(&f.e);
  const uint32_t flags[] = {0,
                            PAS_INPUT_UNDERFLOW,
                            0,
                            PAS_OUTPUT_UNDERFLOW | PAS_OUTPUT_OVERFLOW,
                            PAS_INPUT_OVERFLOW,
                            PAS_PRIMING_OUTPUT,
                            PAS_INPUT_UNDERFLOW | PAS_OUTPUT_UNDERFLOW,
                            0};
  for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
    CHECK_EQ_INT(fx_call_flags(&f, 16, flags[i]), PAS_CONTINUE);
  const pas_stats_t *s = f.stats;
  CHECK_EQ_INT(s->callbacks, 8);
  /* paPrimingOutput alone is not an xrun (as in the original pastream,
   * which counts status & 0xF); it still shows in status. DESIGN.md says
   * "callbacks that carried any status flag": that would make this 5. */
  CHECK_EQ_INT(s->xruns, 4);
  CHECK_EQ_INT(s->input_underflows, 2);
  CHECK_EQ_INT(s->input_overflows, 1);
  CHECK_EQ_INT(s->output_underflows, 2);
  CHECK_EQ_INT(s->output_overflows, 1);
  CHECK_EQ_INT(s->status, PAS_INPUT_UNDERFLOW | PAS_INPUT_OVERFLOW | PAS_OUTPUT_UNDERFLOW |
                              PAS_OUTPUT_OVERFLOW | PAS_PRIMING_OUTPUT);
  /* reconfigure resets them */
  REQUIRE_EQ_INT(fx_reconfigure(&f), PAS_ENGINE_OK);
  CHECK_EQ_INT(s->callbacks, 0);
  CHECK_EQ_INT(s->xruns, 0);
  CHECK_EQ_INT(s->status, 0);
  CHECK_EQ_INT(s->input_underflows + s->input_overflows + s->output_underflows +
                   s->output_overflows,
               0);
  check_stats(&f, __LINE__);
  fx_free(&f);
}

TEST(time_info) {
  fx_t f;
  pas_engine_config_t c = mkcfg(0, 1, PAS_FORMAT_FLOAT32, PAS_FORMAT_FLOAT32, -1, -1);
  REQUIRE_EQ_INT(fx_setup(&f, &c, 64, 0), PAS_ENGINE_OK);
  pas_engine_start(&f.e);
  for (int i = 0; i < 5; i++) {
    fx_call(&f, 8);
    pas_time_info_t t = time_of(f.ncalls - 1);
    CHECK_EQ_DBL(f.stats->input_adc_time, t.input_adc_time);
    CHECK_EQ_DBL(f.stats->current_time, t.current_time);
    CHECK_EQ_DBL(f.stats->output_dac_time, t.output_dac_time);
  }
  /* no time info: the last one stays */
  pas_time_info_t last = time_of(f.ncalls - 1);
  f.null_time = 1;
  CHECK_EQ_INT(fx_call(&f, 8), PAS_CONTINUE);
  CHECK_EQ_DBL(f.stats->current_time, last.current_time);
  CHECK_EQ_DBL(f.stats->output_dac_time, last.output_dac_time);
  CHECK_EQ_DBL(f.stats->input_adc_time, last.input_adc_time);
  fx_free(&f);
}

typedef struct seq_reader {
  const pas_stats_t *stats;
  _Atomic int done;
  uint64_t consistent, torn_rejected, bad;
  uint32_t block;
} seq_reader_t;

static void *seq_reader_main(void *arg) {
  seq_reader_t *r = arg;
  const _Atomic uint32_t *seq = (const _Atomic uint32_t *)(const void *)&r->stats->seq;
  int last_round = 0;
  for (;;) {
    int finished = atomic_load(&r->done);
    uint32_t s1 = atomic_load_explicit(seq, memory_order_acquire);
    pas_stats_t snap;
    memcpy(&snap, (const void *)r->stats, sizeof snap);
    atomic_thread_fence(memory_order_acquire);
    uint32_t s2 = atomic_load_explicit(seq, memory_order_relaxed);
    if ((s1 & 1) || s1 != s2) {
      r->torn_rejected++;
    } else {
      r->consistent++;
      /* invariants the writer keeps in every published snapshot */
      double cb = snap.callbacks;
      if (snap.frame_count != cb * r->block || snap.tx_frames != snap.frame_count ||
          (cb > 0 && snap.current_time != 2000.0 + (cb - 1) * 0.25))
        r->bad++;
    }
    if (last_round) break;
    if (finished) last_round = 1;
  }
  return NULL;
}

TEST(stats_seqlock_concurrent_reader) {
  fx_t f;
  const uint32_t block = 16;
  pas_engine_config_t c = mkcfg(0, 1, PAS_FORMAT_FLOAT32, PAS_FORMAT_FLOAT32, -1, -1);
  c.loop = 1;
  REQUIRE_EQ_INT(fx_setup(&f, &c, 64, 0), PAS_ENGINE_OK);
  tx_push(&f, 0, 64);
  REQUIRE_EQ_INT(fx_reconfigure(&f), PAS_ENGINE_OK);
  pas_engine_start(&f.e);
  seq_reader_t r;
  memset(&r, 0, sizeof r);
  r.stats = f.stats;
  r.block = block;
  pthread_t t;
  REQUIRE(pthread_create(&t, NULL, seq_reader_main, &r) == 0);
  float out[16];
  int ok = 1;
  for (uint32_t i = 0; i < 200000; i++) {
    pas_time_info_t ti = time_of(i);
    if (pas_engine_process(&f.e, NULL, out, block, &ti, 0) != PAS_CONTINUE) ok = 0;
    if (seq_of(f.stats) & 1) ok = 0; /* even after every callback */
  }
  atomic_store(&r.done, 1);
  pthread_join(t, NULL);
  CHECK(ok);
  CHECK_EQ_INT(r.bad, 0);
  CHECK(r.consistent > 0);
  CHECK_EQ_INT(seq_of(f.stats), 2 + 2 + 2 * 200000); /* configure, start, each callback */
  check_stats(&f, __LINE__);
  fx_free(&f);
}

/* ---- abort, complete, restart ---- */

static void *abort_thread(void *arg) {
  pas_engine_request_abort(arg);
  return NULL;
}

TEST(request_abort) {
  fx_t f;
  pas_engine_config_t c = mkcfg(1, 2, PAS_FORMAT_FLOAT32, PAS_FORMAT_FLOAT32, -1, -1);
  REQUIRE_EQ_INT(fx_setup(&f, &c, 4096, 4096), PAS_ENGINE_OK);
  tx_push(&f, 0, 2000);
  pas_engine_start(&f.e);
  CHECK_EQ_INT(fx_call(&f, 256), PAS_CONTINUE);
  CHECK_EQ_INT(fx_call(&f, 256), PAS_CONTINUE);
  pthread_t t;
  REQUIRE(pthread_create(&t, NULL, abort_thread, &f.e) == 0);
  pthread_join(t, NULL);
  CHECK_EQ_INT(fx_call(&f, 256), PAS_ABORT);
  CHECK_OUT_RUN(&f, 0, 0); /* silence, not data */
  CHECK_EQ_INT(f.stats->state, PAS_STATE_ABORTED);
  CHECK_EQ_INT(f.stats->reason, PAS_REASON_ABORT_REQUESTED);
  CHECK_EQ_DBL(f.stats->frame_count, 512);
  CHECK_EQ_DBL(f.stats->tx_frames, 512);
  CHECK_EQ_DBL(f.stats->rx_frames, 512);
  CHECK_EQ_INT(pas_ring_read_available(&f.tx), 2000 - 512);
  CHECK_EQ_INT(fx_call(&f, 256), PAS_ABORT);
  CHECK_OUT_RUN(&f, 0, 0);
  CHECK_EQ_INT(pas_ring_read_available(&f.tx), 2000 - 512);
  CHECK_RX(&f, 0, 512);
  /* reconfigure clears the request */
  REQUIRE_EQ_INT(fx_reconfigure(&f), PAS_ENGINE_OK);
  pas_engine_start(&f.e);
  CHECK_EQ_INT(fx_call(&f, 256), PAS_CONTINUE);
  CHECK_OUT_RUN(&f, 512, 256);
  fx_free(&f);

  /* an abort requested before the first callback */
  REQUIRE_EQ_INT(fx_setup(&f, &c, 4096, 4096), PAS_ENGINE_OK);
  tx_push(&f, 0, 100);
  pas_engine_start(&f.e);
  pas_engine_request_abort(&f.e);
  CHECK_EQ_INT(fx_call(&f, 256), PAS_ABORT);
  CHECK_OUT_RUN(&f, 0, 0);
  CHECK_EQ_DBL(f.stats->frame_count, 0);
  CHECK_EQ_INT(pas_ring_read_available(&f.rx), 0);
  fx_free(&f);
}

TEST(after_complete_and_restart) {
  fx_t f;
  pas_engine_config_t c = mkcfg(1, 2, PAS_FORMAT_INT16, PAS_FORMAT_INT16, 300, 100);
  REQUIRE_EQ_INT(fx_setup(&f, &c, 1024, 1024), PAS_ENGINE_OK);
  tx_push(&f, 0, 600);
  pas_engine_start(&f.e);
  CHECK_EQ_INT(fx_call_flags(&f, 256, PAS_OUTPUT_UNDERFLOW), PAS_CONTINUE);
  CHECK_EQ_INT(fx_call(&f, 256), PAS_COMPLETE);
  CHECK_OUT_RUN(&f, 256, 44);
  CHECK_EQ_DBL(f.stats->frame_count, 400);
  uint32_t seq = seq_of(f.stats);
  /* callbacks after completion: PAS_COMPLETE, silence, nothing moves */
  for (int i = 0; i < 3; i++) {
    CHECK_EQ_INT(fx_call(&f, 256), PAS_COMPLETE);
    CHECK_OUT_RUN(&f, 0, 0);
  }
  CHECK_EQ_DBL(f.stats->frame_count, 400);
  CHECK_EQ_INT(f.stats->callbacks, 2);
  CHECK_EQ_INT(pas_ring_read_available(&f.tx), 300);
  CHECK_EQ_INT(pas_ring_read_available(&f.rx), 400);
  CHECK_EQ_INT(seq_of(f.stats), seq);
  CHECK_RX(&f, 0, 400);

  /* restart: reconfigure resets everything; the next 300 frames play */
  REQUIRE_EQ_INT(fx_reconfigure(&f), PAS_ENGINE_OK);
  const pas_stats_t *s = f.stats;
  CHECK_EQ_INT(s->state, PAS_STATE_IDLE);
  CHECK_EQ_INT(s->reason, PAS_REASON_NONE);
  CHECK_EQ_INT(s->callbacks, 0);
  CHECK_EQ_INT(s->xruns, 0);
  CHECK_EQ_INT(s->status, 0);
  CHECK_EQ_DBL(s->frame_count, 0);
  CHECK_EQ_DBL(s->tx_frames, 0);
  CHECK_EQ_DBL(s->rx_frames, 0);
  CHECK_EQ_DBL(s->current_time, 0);
  CHECK_EQ_INT(seq_of(s) % 2, 0);
  pas_engine_start(&f.e);
  CHECK_EQ_INT(fx_call(&f, 256), PAS_CONTINUE);
  CHECK_OUT_RUN(&f, 300, 256);
  CHECK_EQ_INT(fx_call(&f, 256), PAS_COMPLETE);
  CHECK_OUT_RUN(&f, 556, 44);
  CHECK_EQ_DBL(s->frame_count, 400);
  CHECK_EQ_INT(s->callbacks, 2);
  CHECK_EQ_INT(s->xruns, 0);
  CHECK_RX(&f, 0, 400);
  fx_free(&f);

  /* restart after BufferEmpty */
  c = mkcfg(0, 1, PAS_FORMAT_FLOAT32, PAS_FORMAT_FLOAT32, 100, 0);
  REQUIRE_EQ_INT(fx_setup(&f, &c, 256, 0), PAS_ENGINE_OK);
  tx_push(&f, 0, 50);
  pas_engine_start(&f.e);
  CHECK_EQ_INT(fx_call(&f, 64), PAS_ABORT);
  tx_push(&f, 50, 100);
  REQUIRE_EQ_INT(fx_reconfigure(&f), PAS_ENGINE_OK);
  pas_engine_start(&f.e);
  CHECK_EQ_INT(fx_call(&f, 64), PAS_CONTINUE);
  CHECK_OUT_RUN(&f, 50, 64);
  CHECK_EQ_INT(fx_call(&f, 64), PAS_COMPLETE);
  CHECK_OUT_RUN(&f, 114, 36);
  CHECK_EQ_INT(f.stats->reason, PAS_REASON_COMPLETE);
  fx_free(&f);
}

TEST(process_without_start) {
  /* the binding may skip pas_engine_start: the first callback starts it */
  fx_t f;
  pas_engine_config_t c = mkcfg(0, 1, PAS_FORMAT_FLOAT32, PAS_FORMAT_FLOAT32, 100, 0);
  REQUIRE_EQ_INT(fx_setup(&f, &c, 256, 0), PAS_ENGINE_OK);
  tx_push(&f, 0, 100);
  CHECK_EQ_INT(fx_call(&f, 64), PAS_CONTINUE);
  CHECK_OUT_RUN(&f, 0, 64);
  CHECK_EQ_INT(f.stats->state, PAS_STATE_RUNNING);
  CHECK_EQ_INT(fx_call(&f, 64), PAS_COMPLETE);
  CHECK_OUT_RUN(&f, 64, 36);
  fx_free(&f);
}

/* ---- sample conversion ---- */

/* Plays count mono samples of fmt through an output engine (fmt -> float32),
 * checks each float against want_float (if given), then records those floats
 * through an input engine (float32 -> fmt) into back. */
static void convert_both_ways(int fmt, const uint8_t *values, uint32_t count,
                              const float *want_float, float *floats, uint8_t *back) {
  uint32_t ss = fsize(fmt);
  uint32_t cap = 1;
  while (cap < count) cap <<= 1;
  fx_t a, b;
  pas_engine_config_t c = mkcfg(0, 1, fmt, PAS_FORMAT_FLOAT32, count, 0);
  REQUIRE_EQ_INT(fx_setup(&a, &c, cap, 0), PAS_ENGINE_OK);
  CHECK_EQ_INT(pas_ring_write(&a.tx, values, count), count);
  pas_engine_start(&a.e);
  c = mkcfg(1, 0, fmt, PAS_FORMAT_FLOAT32, count, 0);
  REQUIRE_EQ_INT(fx_setup(&b, &c, 0, cap), PAS_ENGINE_OK);
  pas_engine_start(&b.e);
  const uint32_t block = 4096;
  for (uint32_t done = 0; done < count;) {
    uint32_t n = count - done < block ? count - done : block;
    int rc = fx_call(&a, n);
    CHECK_EQ_INT(rc, done + n == count ? PAS_COMPLETE : PAS_CONTINUE);
    memcpy(floats + done, a.out, (size_t)n * 4);
    rc = fx_call_in(&b, floats + done, n, 0, __LINE__);
    CHECK_EQ_INT(rc, done + n == count ? PAS_COMPLETE : PAS_CONTINUE);
    done += n;
  }
  if (want_float) {
    uint32_t bad = 0;
    for (uint32_t i = 0; i < count; i++) {
      if (memcmp(&floats[i], &want_float[i], 4) != 0) {
        if (bad++ < 5)
          th_fail(__FILE__, __LINE__, "fmt %d sample %u: float %.9g, expected %.9g", fmt, i,
                  floats[i], want_float[i]);
      }
    }
  }
  CHECK_EQ_INT(pas_ring_read(&b.rx, back, count), count);
  (void)ss;
  fx_free(&a);
  fx_free(&b);
}

static void roundtrip_exact(int fmt, const uint8_t *values, uint32_t count, const float *want) {
  uint32_t ss = fsize(fmt);
  float *floats = malloc((size_t)count * 4);
  uint8_t *back = malloc((size_t)count * ss);
  if (!floats || !back) exit(2);
  convert_both_ways(fmt, values, count, want, floats, back);
  uint32_t bad = 0;
  for (uint32_t i = 0; i < count; i++) {
    if (memcmp(values + (size_t)i * ss, back + (size_t)i * ss, ss) != 0) {
      if (bad++ < 5) {
        uint32_t v = 0, w = 0;
        memcpy(&v, values + (size_t)i * ss, ss);
        memcpy(&w, back + (size_t)i * ss, ss);
        th_fail(__FILE__, __LINE__, "fmt %d sample %u: 0x%x came back as 0x%x (via %.9g)", fmt,
                i, v, w, floats[i]);
      }
    }
  }
  free(floats);
  free(back);
}

TEST(convert_int8_all_values) {
  uint8_t v[256];
  float want[256];
  for (int i = 0; i < 256; i++) {
    int8_t x = (int8_t)(i - 128);
    memcpy(&v[i], &x, 1);
    want[i] = (float)x / 128.0f;
  }
  roundtrip_exact(PAS_FORMAT_INT8, v, 256, want);
  CHECK(want[0] == -1.0f);
}

TEST(convert_uint8_all_values) {
  uint8_t v[256];
  float want[256];
  for (int i = 0; i < 256; i++) {
    v[i] = (uint8_t)i;
    want[i] = (float)(i - 128) / 128.0f;
  }
  roundtrip_exact(PAS_FORMAT_UINT8, v, 256, want);
}

TEST(convert_int16_all_values) {
  const uint32_t n = 65536;
  int16_t *v = malloc(n * 2);
  float *want = malloc(n * 4);
  REQUIRE(v && want);
  for (uint32_t i = 0; i < n; i++) {
    v[i] = (int16_t)((int32_t)i - 32768);
    want[i] = (float)v[i] / 32768.0f;
  }
  roundtrip_exact(PAS_FORMAT_INT16, (const uint8_t *)v, n, want);
  free(v);
  free(want);
}

TEST(convert_int24_strided_and_extremes) {
  const int32_t extremes[] = {-8388608, -8388607, -8388606, -4194304, -65536, -257, -256, -255,
                              -2, -1, 0, 1, 2, 255, 256, 257, 65535, 4194304, 8388606, 8388607};
  const uint32_t ne = sizeof extremes / sizeof extremes[0];
  const uint32_t stride = 251; /* prime: hits every low-byte value */
  uint32_t n = ne + (16777216u + stride - 1) / stride;
  uint8_t *v = malloc((size_t)n * 3);
  float *want = malloc((size_t)n * 4);
  REQUIRE(v && want);
  uint32_t k = 0;
  for (uint32_t i = 0; i < ne; i++) {
    wr_i24(v + 3 * k, extremes[i]);
    want[k++] = (float)extremes[i] / 8388608.0f;
  }
  for (int64_t x = -8388608; x <= 8388607 && k < n; x += stride) {
    wr_i24(v + 3 * k, (int32_t)x);
    want[k++] = (float)x / 8388608.0f;
  }
  roundtrip_exact(PAS_FORMAT_INT24, v, k, want);
  free(v);
  free(want);
}

TEST(convert_int32_24_significant_bits) {
  th_rng_t rng;
  th_rng_seed(&rng, 2424);
  const uint32_t n = 50000;
  int32_t *v = malloc((size_t)n * 4);
  float *want = malloc((size_t)n * 4);
  REQUIRE(v && want);
  const int32_t fixed[] = {INT32_MIN, INT32_MIN + 256, -256, -1, 0, 1, 255, 256,
                           0x7FFFFF80, 0x7FFFFF00, 0x40000000, -0x40000000, 0x00FFFFFF,
                           -0x01000000};
  uint32_t k = 0;
  for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) v[k++] = fixed[i];
  while (k < n) {
    /* m has at most 24 significant bits; shifted left by 0..8 it still does */
    int64_t m = (int64_t)th_rng_range(&rng, 0, 0xFFFFFF) - 0x800000;
    uint32_t sh = th_rng_range(&rng, 0, 8);
    v[k++] = (int32_t)(m * ((int64_t)1 << sh));
  }
  for (uint32_t i = 0; i < n; i++) want[i] = (float)v[i] / 2147483648.0f; /* exact here */
  roundtrip_exact(PAS_FORMAT_INT32, (const uint8_t *)v, n, want);

  /* more than 24 significant bits: back within half a float step */
  for (uint32_t i = 0; i < n; i++) v[i] = (int32_t)(uint32_t)th_rng_next(&rng);
  v[0] = INT32_MAX; /* rounds up to 1.0f, clamps back to INT32_MAX */
  v[1] = 0x12345678;
  float *floats = malloc((size_t)n * 4);
  int32_t *back = malloc((size_t)n * 4);
  REQUIRE(floats && back);
  convert_both_ways(PAS_FORMAT_INT32, (const uint8_t *)v, n, NULL, floats, (uint8_t *)back);
  uint32_t bad = 0;
  for (uint32_t i = 0; i < n; i++) {
    int64_t err = (int64_t)back[i] - v[i];
    if (err < 0) err = -err;
    if (err > 64 && bad++ < 5)
      th_fail(__FILE__, __LINE__, "int32 %d came back as %d", v[i], back[i]);
  }
  CHECK_EQ_INT(back[0], INT32_MAX);
  CHECK_EQ_INT(back[1], 0x12345680); /* float step in [2^28, 2^29) is 2^(28-23) = 32 */
  free(floats);
  free(back);
  free(v);
  free(want);
}

/* Out-of-range floats into each integer format: clamped, never wrapped;
 * NaN gives some in-range value without crashing (or UB under UBSan). */
TEST(convert_clamping) {
  const float in[] = {1.5f, -1.5f, 1.0f, -1.0f, INFINITY, -INFINITY, NAN, 1e30f, -1e30f,
                      0.999999f, -0.999999f};
  const uint32_t n = sizeof in / sizeof in[0];
  struct {
    int fmt;
    int64_t hi, lo;
  } fmts[] = {{PAS_FORMAT_INT16, 32767, -32768},
              {PAS_FORMAT_INT8, 127, -128},
              {PAS_FORMAT_INT24, 8388607, -8388608},
              {PAS_FORMAT_INT32, INT32_MAX, INT32_MIN},
              {PAS_FORMAT_UINT8, 255, 0}};
  for (size_t fi = 0; fi < sizeof fmts / sizeof fmts[0]; fi++) {
    int fmt = fmts[fi].fmt;
    fx_t f;
    pas_engine_config_t c = mkcfg(1, 0, fmt, PAS_FORMAT_FLOAT32, -1, -1);
    REQUIRE_EQ_INT(fx_setup(&f, &c, 0, 64), PAS_ENGINE_OK);
    pas_engine_start(&f.e);
    CHECK_EQ_INT(fx_call_in(&f, in, n, 0, __LINE__), PAS_CONTINUE);
    uint8_t rec[64 * 4];
    REQUIRE_EQ_INT(pas_ring_read(&f.rx, rec, n), n);
    int64_t got[16];
    for (uint32_t i = 0; i < n; i++) {
      const uint8_t *p = rec + (size_t)i * fsize(fmt);
      switch (fmt) {
        case PAS_FORMAT_INT16: {
          int16_t x;
          memcpy(&x, p, 2);
          got[i] = x;
          break;
        }
        case PAS_FORMAT_INT8: got[i] = (int8_t)p[0]; break;
        case PAS_FORMAT_INT24: got[i] = rd_i24(p); break;
        case PAS_FORMAT_INT32: {
          int32_t x;
          memcpy(&x, p, 4);
          got[i] = x;
          break;
        }
        default: got[i] = p[0]; break;
      }
    }
    int64_t hi = fmts[fi].hi, lo = fmts[fi].lo;
    CHECK_MSG(got[0] == hi, "fmt %d: 1.5 -> %lld", fmt, (long long)got[0]);
    CHECK_MSG(got[1] == lo, "fmt %d: -1.5 -> %lld", fmt, (long long)got[1]);
    CHECK_MSG(got[2] == hi, "fmt %d: 1.0 -> %lld", fmt, (long long)got[2]);
    CHECK_MSG(got[3] == lo, "fmt %d: -1.0 -> %lld", fmt, (long long)got[3]);
    CHECK_MSG(got[4] == hi, "fmt %d: +inf -> %lld", fmt, (long long)got[4]);
    CHECK_MSG(got[5] == lo, "fmt %d: -inf -> %lld", fmt, (long long)got[5]);
    CHECK_MSG(got[6] >= lo && got[6] <= hi, "fmt %d: NaN -> %lld", fmt, (long long)got[6]);
    CHECK_MSG(got[7] == hi, "fmt %d: 1e30 -> %lld", fmt, (long long)got[7]);
    CHECK_MSG(got[8] == lo, "fmt %d: -1e30 -> %lld", fmt, (long long)got[8]);
    CHECK_MSG(got[9] <= hi && got[9] > (hi + lo) / 2, "fmt %d: 0.999999 -> %lld", fmt,
              (long long)got[9]);
    CHECK_MSG(got[10] >= lo && got[10] < (hi + lo) / 2, "fmt %d: -0.999999 -> %lld", fmt,
              (long long)got[10]);
    fx_free(&f);
  }

  /* rounding to nearest, symmetric around zero (int16) */
  const float r[] = {1.4f / 32768, 1.6f / 32768, -1.4f / 32768, -1.6f / 32768, 0.4f / 32768,
                     -0.4f / 32768, 32766.6f / 32768, -32767.6f / 32768};
  const int16_t want[] = {1, 2, -1, -2, 0, 0, 32767, -32768};
  fx_t f;
  pas_engine_config_t c = mkcfg(1, 0, PAS_FORMAT_INT16, PAS_FORMAT_FLOAT32, -1, -1);
  REQUIRE_EQ_INT(fx_setup(&f, &c, 0, 64), PAS_ENGINE_OK);
  pas_engine_start(&f.e);
  CHECK_EQ_INT(fx_call_in(&f, r, 8, 0, __LINE__), PAS_CONTINUE);
  int16_t got16[8];
  REQUIRE_EQ_INT(pas_ring_read(&f.rx, got16, 8), 8);
  for (int i = 0; i < 8; i++)
    CHECK_MSG(got16[i] == want[i], "int16 rounding %d: %.9g*32768 -> %d, expected %d", i, r[i],
              got16[i], want[i]);
  fx_free(&f);
}

int main(int argc, char **argv) {
  static const th_test_t tests[] = {
      TEST_ENTRY(configure_errors),
      TEST_ENTRY(mapping_errors),
      TEST_ENTRY(configure_resets_stats_and_start),
      TEST_ENTRY(frames_pad_exact),
      TEST_ENTRY(frame_count_exact_4800),
      TEST_ENTRY(zero_frames),
      TEST_ENTRY(variable_callback_sizes),
      TEST_ENTRY(autoframes_basic),
      TEST_ENTRY(autoframes_late_data_stays_unplayed),
      TEST_ENTRY(autoframes_pad_longer_than_callback),
      TEST_ENTRY(autoframes_pad_across_callbacks),
      TEST_ENTRY(pad_auto_with_frames),
      TEST_ENTRY(pad_auto_unbounded),
      TEST_ENTRY(buffer_empty),
      TEST_ENTRY(buffer_full),
      TEST_ENTRY(offset),
      TEST_ENTRY(loop_five_times),
      TEST_ENTRY(loop_shorter_than_callback),
      TEST_ENTRY(tx_mapping),
      TEST_ENTRY(rx_mapping),
      TEST_ENTRY(uint8_silence_is_128),
      TEST_ENTRY(status_flag_counters),
      TEST_ENTRY(time_info),
      TEST_ENTRY(stats_seqlock_concurrent_reader),
      TEST_ENTRY(request_abort),
      TEST_ENTRY(after_complete_and_restart),
      TEST_ENTRY(process_without_start),
      TEST_ENTRY(convert_int8_all_values),
      TEST_ENTRY(convert_uint8_all_values),
      TEST_ENTRY(convert_int16_all_values),
      TEST_ENTRY(convert_int24_strided_and_extremes),
      TEST_ENTRY(convert_int32_24_significant_bits),
      TEST_ENTRY(convert_clamping),
  };
  return th_run(tests, sizeof tests / sizeof tests[0], argc, argv);
}
