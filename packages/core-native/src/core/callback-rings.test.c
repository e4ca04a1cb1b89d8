/*
 * Unit tests of the callback engine (src/core/callback.c): how it walks its
 * rings: BufferEmpty and BufferFull, offset, loop. The fixture (fx_call
 * and its checks) is in callback-fixture.h.
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

int main(int argc, char **argv) {
  static const th_test_t tests[] = {
      TEST_ENTRY(buffer_empty),
      TEST_ENTRY(buffer_full),
      TEST_ENTRY(offset),
      TEST_ENTRY(loop_five_times),
      TEST_ENTRY(loop_shorter_than_callback),
  };
  return th_run(tests, sizeof tests / sizeof tests[0], argc, argv);
}
