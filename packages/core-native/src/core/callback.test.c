/*
 * Unit tests of the callback engine (src/core/callback.c): configuration
 * (pas_engine_configure's errors, channel map errors, the reset of stats
 * and start state) and channel maps (tx and rx mapping in every format,
 * uint8 silence). The fixture (fx_call and its checks) is in
 * callback-fixture.h; the other callback*.test.c files hold the rest.
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
#include "callback-fixture.h"

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

int main(int argc, char **argv) {
  static const th_test_t tests[] = {
      TEST_ENTRY(configure_errors),
      TEST_ENTRY(mapping_errors),
      TEST_ENTRY(configure_resets_stats_and_start),
      TEST_ENTRY(tx_mapping),
      TEST_ENTRY(rx_mapping),
      TEST_ENTRY(uint8_silence_is_128),
  };
  return th_run(tests, sizeof tests / sizeof tests[0], argc, argv);
}
