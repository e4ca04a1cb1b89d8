/*
 * Unit tests of the callback engine (src/core/callback.c): frames, pad and
 * completion; autoframes (frames < 0, pad >= 0); pad < 0. The fixture
 * (fx_call and its checks) is in callback-fixture.h.
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

/* A writer that has not ENDED promised more: running dry is an underflow
 * (BufferEmpty), not the end; once it ENDED, dry is the end as before. */
TEST(autoframes_waits_for_an_open_writer) {
  fx_t f;
  pas_engine_config_t c = mkcfg(0, 2, PAS_FORMAT_INT16, PAS_FORMAT_INT16, -1, 100);
  REQUIRE_EQ_INT(fx_setup(&f, &c, 1024, 0), PAS_ENGINE_OK);
  pas_ring_set_writer(&f.tx, PAS_RING_WRITER_OPEN);
  tx_push(&f, 0, 300);
  pas_engine_start(&f.e);
  CHECK_EQ_INT(fx_call(&f, 256), PAS_CONTINUE);
  CHECK_OUT_RUN(&f, 0, 256);
  /* dry after 44 frames while the writer is open: the source was late */
  CHECK_EQ_INT(fx_call(&f, 256), PAS_ABORT);
  CHECK_EQ_INT(f.stats->reason, PAS_REASON_BUFFER_EMPTY);
  CHECK_EQ_DBL(f.stats->frame_count, 300);
  CHECK_EQ_DBL(f.stats->tx_frames, 300);
  CHECK_EQ_DBL(f.stats->total_frames, -1);
  fx_free(&f);

  /* the writer ended after its last frames: dry is the end, then the pad */
  REQUIRE_EQ_INT(fx_setup(&f, &c, 1024, 0), PAS_ENGINE_OK);
  pas_ring_set_writer(&f.tx, PAS_RING_WRITER_OPEN);
  tx_push(&f, 0, 256);
  pas_engine_start(&f.e);
  CHECK_EQ_INT(fx_call(&f, 256), PAS_CONTINUE);
  tx_push(&f, 256, 44);
  pas_ring_set_writer(&f.tx, PAS_RING_WRITER_ENDED);
  /* total = 256 + 44 + 100 = 400, inside this callback */
  CHECK_EQ_INT(fx_call(&f, 256), PAS_COMPLETE);
  CHECK_OUT_RUN(&f, 256, 44);
  CHECK_EQ_DBL(f.stats->total_frames, 400);
  CHECK_EQ_DBL(f.stats->frame_count, 400);
  CHECK_EQ_INT(f.stats->reason, PAS_REASON_COMPLETE);
  fx_free(&f);

  /* pad < 0 never fails on a dry ring, whatever the writer says */
  c = mkcfg(0, 2, PAS_FORMAT_INT16, PAS_FORMAT_INT16, -1, -1);
  REQUIRE_EQ_INT(fx_setup(&f, &c, 1024, 0), PAS_ENGINE_OK);
  pas_ring_set_writer(&f.tx, PAS_RING_WRITER_OPEN);
  tx_push(&f, 0, 100);
  pas_engine_start(&f.e);
  CHECK_EQ_INT(fx_call(&f, 256), PAS_CONTINUE);
  CHECK_EQ_INT(fx_call(&f, 256), PAS_CONTINUE);
  CHECK_EQ_DBL(f.stats->frame_count, 512);
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

int main(int argc, char **argv) {
  static const th_test_t tests[] = {
      TEST_ENTRY(frames_pad_exact),
      TEST_ENTRY(frame_count_exact_4800),
      TEST_ENTRY(zero_frames),
      TEST_ENTRY(variable_callback_sizes),
      TEST_ENTRY(autoframes_basic),
      TEST_ENTRY(autoframes_late_data_stays_unplayed),
      TEST_ENTRY(autoframes_waits_for_an_open_writer),
      TEST_ENTRY(autoframes_pad_longer_than_callback),
      TEST_ENTRY(autoframes_pad_across_callbacks),
      TEST_ENTRY(pad_auto_with_frames),
      TEST_ENTRY(pad_auto_unbounded),
  };
  return th_run(tests, sizeof tests / sizeof tests[0], argc, argv);
}
