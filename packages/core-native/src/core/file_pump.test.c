/*
 * Unit tests of the file pump (src/core/file_pump.c) against
 * include/pastream/file_pump.h, with a fake file in memory: record until
 * stop, a full disk, a file closed under the pump, play to the end of the
 * file, looping (long and short files, an empty one, a failing seek), the
 * header rewrite after every write, and stop while the thread waits for
 * data or room. Each frame is one uint32 holding its index in the file, so
 * every check is a sequence check.
 *
 * The tests wait for conditions (frames counted, thread finished), never
 * for a fixed time. Run with test names (substrings) as arguments to run
 * only those.
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pastream/file_pump.h"
#include "pastream/ring.h"
#include "file-pump-fake.h"
#include "test-harness.h"

/* ---- record ---- */

TEST(record_until_stop) {
  static fake_file_t f;
  fake_init(&f, 0);
  test_ring_t t;
  REQUIRE_EQ_INT(ring_new(&t, 64), PAS_RING_OK);
  pas_file_io_t io = fake_io(&f);
  pas_file_pump_config_t c = config_of(PAS_FILE_PUMP_RECORD, 0, "take.wav");
  pas_file_pump_t *p;
  REQUIRE_EQ_INT(pas_file_pump_create(&p, &c, &t.r, &io), PAS_FILE_PUMP_OK);
  REQUIRE_EQ_INT(pas_file_pump_start(p), PAS_FILE_PUMP_OK);
  CHECK_EQ_INT(produce(&t.r, p, 5000), 5000);
  /* stop drains what the ring still holds */
  pas_file_pump_stop(p);
  CHECK_EQ_INT(pas_file_pump_running(p), 0);
  CHECK_EQ_INT(pas_file_pump_frames(p), 5000);
  CHECK(pas_file_pump_error(p) == NULL);
  CHECK_EQ_INT(f.length, 5000);
  for (int64_t i = 0; i < 5000 && !TH_FAILED(); i++) CHECK_EQ_INT(f.data[i], i);
  CHECK_EQ_INT(pas_ring_read_available(&t.r), 0);
  pas_file_pump_stop(p); /* idempotent */
  pas_file_pump_destroy(p);
  th_free(t.memory);
}

TEST(record_full_disk_keeps_what_was_written) {
  static fake_file_t f;
  fake_init(&f, 0);
  f.disk_limit = 300;
  test_ring_t t;
  REQUIRE_EQ_INT(ring_new(&t, 64), PAS_RING_OK);
  pas_file_io_t io = fake_io(&f);
  pas_file_pump_config_t c = config_of(PAS_FILE_PUMP_RECORD, 0, "'full.wav'");
  c.samplerate = 1000; /* the message's seconds: 300 frames are 0.300 s */
  pas_file_pump_t *p;
  REQUIRE_EQ_INT(pas_file_pump_create(&p, &c, &t.r, &io), PAS_FILE_PUMP_OK);
  REQUIRE_EQ_INT(pas_file_pump_start(p), PAS_FILE_PUMP_OK);
  uint32_t written = produce(&t.r, p, 1000);
  CHECK(written < 1000);
  /* the thread ends by itself */
  REQUIRE(wait_until(pump_finished, p));
  const char *error = pas_file_pump_error(p);
  REQUIRE(error != NULL);
  CHECK_MSG(strcmp(error, "Error recording to 'full.wav': No space left on device; kept 300 "
                          "frames (0.300 s)") == 0,
            "error: %s", error);
  CHECK_EQ_INT(pas_file_pump_frames(p), 300);
  CHECK_EQ_INT(f.length, 300);
  for (int64_t i = 0; i < 300 && !TH_FAILED(); i++) CHECK_EQ_INT(f.data[i], i);
  /* the header counts the kept frames */
  CHECK_EQ_INT(f.header_frames, 300);
  pas_file_pump_stop(p);
  CHECK_EQ_INT(pas_file_pump_frames(p), 300);
  pas_file_pump_destroy(p);
  th_free(t.memory);
}

static void count_end(void *user) { atomic_fetch_add((atomic_int *)user, 1); }

TEST(record_file_closed_under_the_pump) {
  static fake_file_t f;
  fake_init(&f, 0);
  f.closed = 1;
  test_ring_t t;
  REQUIRE_EQ_INT(ring_new(&t, 64), PAS_RING_OK);
  uint32_t frame = 0;
  REQUIRE_EQ_INT(pas_ring_write(&t.r, &frame, 1), 1);
  pas_file_io_t io = fake_io(&f);
  pas_file_pump_config_t c = config_of(PAS_FILE_PUMP_RECORD, 0, "'gone.wav'");
  static atomic_int ends;
  atomic_store(&ends, 0);
  c.ended = count_end;
  c.ended_user = &ends;
  pas_file_pump_t *p;
  REQUIRE_EQ_INT(pas_file_pump_create(&p, &c, &t.r, &io), PAS_FILE_PUMP_OK);
  REQUIRE_EQ_INT(pas_file_pump_start(p), PAS_FILE_PUMP_OK);
  REQUIRE(wait_until(pump_finished, p));
  /* an end by itself is announced, once, by the time it is seen */
  pas_file_pump_stop(p);
  CHECK_EQ_INT(atomic_load(&ends), 1);
  const char *error = pas_file_pump_error(p);
  REQUIRE(error != NULL);
  CHECK_MSG(strcmp(error, "Error recording to 'gone.wav': the file was closed while recording; "
                          "kept 0 frames (0.000 s)") == 0,
            "error: %s", error);
  pas_file_pump_destroy(p);
  th_free(t.memory);
}

/* ---- header rewrites ---- */

TEST(header_rewrite_after_every_write) {
  static fake_file_t f;
  fake_init(&f, 0);
  test_ring_t t;
  REQUIRE_EQ_INT(ring_new(&t, 32), PAS_RING_OK);
  pas_file_io_t io = fake_io(&f);
  pas_file_pump_config_t c = config_of(PAS_FILE_PUMP_RECORD, 0, "h.wav");
  pas_file_pump_t *p;
  REQUIRE_EQ_INT(pas_file_pump_create(&p, &c, &t.r, &io), PAS_FILE_PUMP_OK);
  REQUIRE_EQ_INT(pas_file_pump_start(p), PAS_FILE_PUMP_OK);
  CHECK_EQ_INT(produce(&t.r, p, 2000), 2000);
  pas_file_pump_stop(p);
  /* every batch that wrote frames rewrote the header before unlocking */
  CHECK_EQ_INT(f.batches_without_rewrite, 0);
  CHECK(f.rewrites >= 2000 / 32);
  CHECK(f.rewrites <= f.writes);
  CHECK_EQ_INT(f.header_frames, 2000);
  pas_file_pump_destroy(p);

  /* no rewrite_header (a streamed container): never rewritten, still recorded */
  fake_init(&f, 0);
  pas_ring_flush(&t.r);
  io.rewrite_header = NULL;
  REQUIRE_EQ_INT(pas_file_pump_create(&p, &c, &t.r, &io), PAS_FILE_PUMP_OK);
  REQUIRE_EQ_INT(pas_file_pump_start(p), PAS_FILE_PUMP_OK);
  CHECK_EQ_INT(produce(&t.r, p, 500), 500);
  pas_file_pump_stop(p);
  CHECK_EQ_INT(f.rewrites, 0);
  CHECK_EQ_INT(f.length, 500);
  pas_file_pump_destroy(p);

  /* nothing written: no rewrite */
  fake_init(&f, 0);
  io = fake_io(&f);
  REQUIRE_EQ_INT(pas_file_pump_create(&p, &c, &t.r, &io), PAS_FILE_PUMP_OK);
  REQUIRE_EQ_INT(pas_file_pump_start(p), PAS_FILE_PUMP_OK);
  pas_file_pump_stop(p);
  CHECK_EQ_INT(f.rewrites, 0);
  CHECK_EQ_INT(f.writes, 0);
  pas_file_pump_destroy(p);
  th_free(t.memory);
}

/* ---- play ---- */

TEST(play_to_end_of_file) {
  static fake_file_t f;
  fake_init(&f, 1000);
  test_ring_t t;
  REQUIRE_EQ_INT(ring_new(&t, 128), PAS_RING_OK);
  pas_file_io_t io = fake_io(&f);
  pas_file_pump_config_t c = config_of(PAS_FILE_PUMP_PLAY, 0, "song.wav");
  pas_file_pump_t *p;
  REQUIRE_EQ_INT(pas_file_pump_create(&p, &c, &t.r, &io), PAS_FILE_PUMP_OK);
  /* prefill: the ring starts full */
  CHECK_EQ_INT(pas_file_pump_prefill(p), 128);
  CHECK_EQ_INT(pas_ring_read_available(&t.r), 128);
  CHECK_EQ_INT(pas_file_pump_frames(p), 128);
  CHECK_EQ_INT(pas_ring_writer(&t.r), PAS_RING_WRITER_UNKNOWN);
  REQUIRE_EQ_INT(pas_file_pump_start(p), PAS_FILE_PUMP_OK);
  /* 872 frames to go and a full ring: the writer has more to come */
  CHECK_EQ_INT(pas_ring_writer(&t.r), PAS_RING_WRITER_OPEN);
  CHECK_EQ_INT(consume(&t.r, p, 2000, UINT32_MAX), 1000);
  /* it ended by itself at the end of the file, and said so in the ring */
  CHECK_EQ_INT(pas_file_pump_running(p), 0);
  CHECK_EQ_INT(pas_ring_writer(&t.r), PAS_RING_WRITER_ENDED);
  CHECK_EQ_INT(pas_file_pump_frames(p), 1000);
  CHECK(pas_file_pump_error(p) == NULL);
  CHECK_EQ_INT(f.seeks, 0);
  pas_file_pump_destroy(p);
  th_free(t.memory);
}

TEST(play_looping) {
  static fake_file_t f;
  fake_init(&f, 100);
  test_ring_t t;
  REQUIRE_EQ_INT(ring_new(&t, 64), PAS_RING_OK);
  pas_file_io_t io = fake_io(&f);
  pas_file_pump_config_t c = config_of(PAS_FILE_PUMP_PLAY, 1, "loop.wav");
  pas_file_pump_t *p;
  REQUIRE_EQ_INT(pas_file_pump_create(&p, &c, &t.r, &io), PAS_FILE_PUMP_OK);
  CHECK_EQ_INT(pas_file_pump_prefill(p), 64);
  REQUIRE_EQ_INT(pas_file_pump_start(p), PAS_FILE_PUMP_OK);
  CHECK_EQ_INT(consume(&t.r, p, 1050, 100), 1050);
  CHECK_EQ_INT(pas_file_pump_running(p), 1);
  pas_file_pump_stop(p);
  CHECK_EQ_INT(pas_file_pump_running(p), 0);
  /* stopped, not ended: a loop has no end of its data */
  CHECK_EQ_INT(pas_ring_writer(&t.r), PAS_RING_WRITER_OPEN);
  CHECK(pas_file_pump_frames(p) >= 1050);
  CHECK(f.seeks >= 10);
  CHECK(pas_file_pump_error(p) == NULL);
  pas_file_pump_destroy(p);
  th_free(t.memory);
}

static int ring_full(void *arg) { return pas_ring_write_available(arg) == 0; }

TEST(play_short_file_with_loop_fills_the_ring) {
  static fake_file_t f;
  fake_init(&f, 3);
  test_ring_t t;
  REQUIRE_EQ_INT(ring_new(&t, 64), PAS_RING_OK);
  pas_file_io_t io = fake_io(&f);
  pas_file_pump_config_t c = config_of(PAS_FILE_PUMP_PLAY, 1, "click.wav");
  pas_file_pump_t *p;
  REQUIRE_EQ_INT(pas_file_pump_create(&p, &c, &t.r, &io), PAS_FILE_PUMP_OK);
  CHECK_EQ_INT(pas_file_pump_prefill(p), 3);
  REQUIRE_EQ_INT(pas_file_pump_start(p), PAS_FILE_PUMP_OK);
  REQUIRE(wait_until(ring_full, &t.r));
  CHECK_EQ_INT(consume(&t.r, p, 64, 3), 64);
  pas_file_pump_stop(p);
  CHECK(pas_file_pump_error(p) == NULL);
  pas_file_pump_destroy(p);

  /* an empty file cannot loop: the thread ends after one seek */
  fake_init(&f, 0);
  pas_ring_flush(&t.r);
  REQUIRE_EQ_INT(pas_file_pump_create(&p, &c, &t.r, &io), PAS_FILE_PUMP_OK);
  CHECK_EQ_INT(pas_file_pump_prefill(p), 0);
  REQUIRE_EQ_INT(pas_file_pump_start(p), PAS_FILE_PUMP_OK);
  REQUIRE(wait_until(pump_finished, p));
  CHECK_EQ_INT(pas_file_pump_frames(p), 0);
  CHECK_EQ_INT(f.seeks, 1);
  CHECK(pas_file_pump_error(p) == NULL);
  pas_file_pump_destroy(p);
  th_free(t.memory);
}

TEST(play_loop_seek_error) {
  static fake_file_t f;
  fake_init(&f, 100);
  f.fail_seek = 1;
  test_ring_t t;
  REQUIRE_EQ_INT(ring_new(&t, 256), PAS_RING_OK);
  pas_file_io_t io = fake_io(&f);
  pas_file_pump_config_t c = config_of(PAS_FILE_PUMP_PLAY, 1, "'pipe.wav'");
  pas_file_pump_t *p;
  REQUIRE_EQ_INT(pas_file_pump_create(&p, &c, &t.r, &io), PAS_FILE_PUMP_OK);
  REQUIRE_EQ_INT(pas_file_pump_start(p), PAS_FILE_PUMP_OK);
  REQUIRE(wait_until(pump_finished, p));
  const char *error = pas_file_pump_error(p);
  REQUIRE(error != NULL);
  CHECK_MSG(strcmp(error, "Error playing 'pipe.wav': Bad seek after 100 frames") == 0, "error: %s",
            error);
  CHECK_EQ_INT(pas_ring_read_available(&t.r), 100);
  pas_file_pump_destroy(p);
  th_free(t.memory);
}

TEST(play_file_closed_under_the_pump) {
  static fake_file_t f;
  fake_init(&f, 100);
  f.closed = 1;
  test_ring_t t;
  REQUIRE_EQ_INT(ring_new(&t, 64), PAS_RING_OK);
  pas_file_io_t io = fake_io(&f);
  pas_file_pump_config_t c = config_of(PAS_FILE_PUMP_PLAY, 0, "'gone.wav'");
  pas_file_pump_t *p;
  REQUIRE_EQ_INT(pas_file_pump_create(&p, &c, &t.r, &io), PAS_FILE_PUMP_OK);
  CHECK_EQ_INT(pas_file_pump_prefill(p), PAS_FILE_IO_CLOSED);
  REQUIRE_EQ_INT(pas_file_pump_start(p), PAS_FILE_PUMP_OK);
  REQUIRE(wait_until(pump_finished, p));
  const char *error = pas_file_pump_error(p);
  REQUIRE(error != NULL);
  CHECK_MSG(strcmp(error, "Error playing 'gone.wav': the file was closed while playing") == 0,
            "error: %s", error);
  pas_file_pump_destroy(p);
  th_free(t.memory);
}

/* ---- stop ---- */

static int reads_at_least_two(void *arg) {
  fake_file_t *f = arg;
  return fake_get(f, &f->reads) >= 2;
}

TEST(stop_while_waiting_for_data_or_room) {
  static fake_file_t f;
  test_ring_t t;
  REQUIRE_EQ_INT(ring_new(&t, 16), PAS_RING_OK);
  /* record, ring empty: the thread sleeps on fill level; stop wakes it */
  fake_init(&f, 0);
  pas_file_io_t io = fake_io(&f);
  pas_file_pump_config_t c = config_of(PAS_FILE_PUMP_RECORD, 0, "idle.wav");
  c.samplerate = 8; /* a quarter of 16 frames: 500 ms, so the longest sleep, 250 ms */
  static atomic_int ends;
  atomic_store(&ends, 0);
  c.ended = count_end;
  c.ended_user = &ends;
  pas_file_pump_t *p;
  REQUIRE_EQ_INT(pas_file_pump_create(&p, &c, &t.r, &io), PAS_FILE_PUMP_OK);
  REQUIRE_EQ_INT(pas_file_pump_start(p), PAS_FILE_PUMP_OK);
  CHECK_EQ_INT(pas_file_pump_running(p), 1);
  pas_file_pump_stop(p);
  CHECK_EQ_INT(atomic_load(&ends), 1); /* after a stop too */
  CHECK_EQ_INT(pas_file_pump_running(p), 0);
  CHECK_EQ_INT(pas_file_pump_frames(p), 0);
  CHECK(pas_file_pump_error(p) == NULL);
  CHECK_EQ_INT(f.writes, 0);
  pas_file_pump_destroy(p);

  /* play, ring full: the thread sleeps on fill level; stop wakes it */
  fake_init(&f, 1000);
  c.direction = PAS_FILE_PUMP_PLAY;
  REQUIRE_EQ_INT(pas_file_pump_create(&p, &c, &t.r, &io), PAS_FILE_PUMP_OK);
  REQUIRE_EQ_INT(pas_file_pump_start(p), PAS_FILE_PUMP_OK);
  REQUIRE(wait_until(ring_full, &t.r));
  /* one more read of room makes sure the thread is past its first fill */
  uint32_t v;
  REQUIRE_EQ_INT(pas_ring_read(&t.r, &v, 1), 1);
  REQUIRE(wait_until(reads_at_least_two, &f));
  REQUIRE(wait_until(ring_full, &t.r));
  pas_file_pump_stop(p);
  CHECK_EQ_INT(pas_file_pump_running(p), 0);
  CHECK_EQ_INT(pas_file_pump_frames(p), 17);
  CHECK(pas_file_pump_error(p) == NULL);
  pas_file_pump_destroy(p);
  /* destroy stops a pump that is still running */
  fake_init(&f, 1000);
  pas_ring_flush(&t.r);
  REQUIRE_EQ_INT(pas_file_pump_create(&p, &c, &t.r, &io), PAS_FILE_PUMP_OK);
  REQUIRE_EQ_INT(pas_file_pump_start(p), PAS_FILE_PUMP_OK);
  pas_file_pump_destroy(p);
  th_free(t.memory);
}

/* ---- configuration ---- */

TEST(config_and_wake_interval) {
  /* the table of core-native's fillWakeMs test (src/sizes.test.ts) */
  CHECK_EQ_INT(pas_file_pump_wake_ns(4096, 48000), 21000000); /* a quarter: 21.3 ms */
  CHECK_EQ_INT(pas_file_pump_wake_ns(1024, 48000), 5000000);
  CHECK_EQ_INT(pas_file_pump_wake_ns(2, 48000), 1000000); /* never less than 1 ms */
  CHECK_EQ_INT(pas_file_pump_wake_ns(1u << 16, 48000), 250000000); /* 341 ms, capped */
  CHECK_EQ_INT(pas_file_pump_wake_ns(1u << 24, 48000), 250000000);
  static fake_file_t f;
  fake_init(&f, 0);
  test_ring_t t;
  REQUIRE_EQ_INT(ring_new(&t, 16), PAS_RING_OK);
  pas_file_io_t io = fake_io(&f);
  pas_file_pump_config_t c = config_of(3, 0, NULL);
  pas_file_pump_t *p = (pas_file_pump_t *)&f;
  CHECK_EQ_INT(pas_file_pump_create(&p, &c, &t.r, &io), PAS_FILE_PUMP_E_CONFIG);
  CHECK(p == NULL);
  c = config_of(PAS_FILE_PUMP_RECORD, 0, NULL);
  c.samplerate = 0;
  CHECK_EQ_INT(pas_file_pump_create(&p, &c, &t.r, &io), PAS_FILE_PUMP_E_CONFIG);
  c.samplerate = 1000;
  io.write = NULL;
  CHECK_EQ_INT(pas_file_pump_create(&p, &c, &t.r, &io), PAS_FILE_PUMP_E_CONFIG);
  CHECK(strcmp(pas_file_pump_strerror(PAS_FILE_PUMP_E_THREAD), "could not start the pump thread") == 0);
  /* a pump never started: destroy frees it */
  io = fake_io(&f);
  REQUIRE_EQ_INT(pas_file_pump_create(&p, &c, &t.r, &io), PAS_FILE_PUMP_OK);
  CHECK_EQ_INT(pas_file_pump_running(p), 0);
  pas_file_pump_destroy(p);
  th_free(t.memory);
}

int main(int argc, char **argv) {
  static const th_test_t tests[] = {
      TEST_ENTRY(record_until_stop),
      TEST_ENTRY(record_full_disk_keeps_what_was_written),
      TEST_ENTRY(record_file_closed_under_the_pump),
      TEST_ENTRY(header_rewrite_after_every_write),
      TEST_ENTRY(play_to_end_of_file),
      TEST_ENTRY(play_looping),
      TEST_ENTRY(play_short_file_with_loop_fills_the_ring),
      TEST_ENTRY(play_loop_seek_error),
      TEST_ENTRY(play_file_closed_under_the_pump),
      TEST_ENTRY(stop_while_waiting_for_data_or_room),
      TEST_ENTRY(config_and_wake_interval),
  };
  return th_run(tests, sizeof tests / sizeof tests[0], argc, argv);
}
