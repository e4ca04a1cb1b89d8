/*
 * Unit tests of the callback engine (src/core/callback.c): status flag
 * counters, time info, the stats seqlock under a concurrent reader; abort,
 * complete, restart, process without start. The fixture (fx_call and its
 * checks) is in callback-fixture.h.
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

int main(int argc, char **argv) {
  static const th_test_t tests[] = {
      TEST_ENTRY(status_flag_counters),
      TEST_ENTRY(time_info),
      TEST_ENTRY(stats_seqlock_concurrent_reader),
      TEST_ENTRY(request_abort),
      TEST_ENTRY(after_complete_and_restart),
      TEST_ENTRY(process_without_start),
  };
  return th_run(tests, sizeof tests / sizeof tests[0], argc, argv);
}
