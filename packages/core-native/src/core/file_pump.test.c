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
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pastream/file_pump.h"
#include "pastream/ring.h"
#include "test-harness.h"

/* ---- a fake file: frames of one uint32 each ---- */

#define FAKE_MAX 8192

typedef struct fake_file {
  pthread_mutex_t mutex;
  uint32_t data[FAKE_MAX];
  int64_t length;     /* frames in the file */
  int64_t position;   /* next frame read or written */
  int64_t disk_limit; /* writes past this frame fail; -1: no limit */
  int closed;
  int fail_seek;
  const char *error;  /* the last error, NULL: none */
  int64_t header_frames; /* the length the header says, at the last rewrite */
  int reads, writes, seeks, rewrites;
  int wrote_in_batch, rewrote_in_batch, batches_without_rewrite;
} fake_file_t;

static void fake_init(fake_file_t *f, int64_t length) {
  memset(f, 0, sizeof *f);
  pthread_mutex_init(&f->mutex, NULL);
  f->length = length;
  f->disk_limit = -1;
  for (int64_t i = 0; i < length; i++) f->data[i] = (uint32_t)i;
}

static void fake_lock(void *user) {
  fake_file_t *f = user;
  pthread_mutex_lock(&f->mutex);
  f->wrote_in_batch = f->rewrote_in_batch = 0;
}

static void fake_unlock(void *user) {
  fake_file_t *f = user;
  if (f->wrote_in_batch && !f->rewrote_in_batch) f->batches_without_rewrite++;
  pthread_mutex_unlock(&f->mutex);
}

static int64_t fake_read(void *user, void *dst, uint32_t frames) {
  fake_file_t *f = user;
  if (f->closed) return PAS_FILE_IO_CLOSED;
  f->reads++;
  int64_t n = f->length - f->position;
  if (n > frames) n = frames;
  if (n < 0) n = 0;
  memcpy(dst, f->data + f->position, (size_t)n * 4);
  f->position += n;
  return n;
}

static int64_t fake_write(void *user, const void *src, uint32_t frames) {
  fake_file_t *f = user;
  if (f->closed) return PAS_FILE_IO_CLOSED;
  f->writes++;
  int64_t n = frames;
  if (f->disk_limit >= 0 && f->position + n > f->disk_limit) {
    n = f->disk_limit - f->position;
    f->error = "No space left on device";
  }
  if (f->position + n > FAKE_MAX) n = FAKE_MAX - f->position;
  memcpy(f->data + f->position, src, (size_t)n * 4);
  f->position += n;
  if (f->position > f->length) f->length = f->position;
  if (n > 0) f->wrote_in_batch = 1;
  return n;
}

static int fake_seek_start(void *user) {
  fake_file_t *f = user;
  f->seeks++;
  if (f->fail_seek) {
    f->error = "Bad seek";
    return -1;
  }
  f->position = 0;
  return 0;
}

static int fake_rewrite_header(void *user) {
  fake_file_t *f = user;
  f->rewrites++;
  f->rewrote_in_batch = 1;
  f->header_frames = f->length;
  return 0;
}

static const char *fake_error(void *user) { return ((fake_file_t *)user)->error; }

static pas_file_io_t fake_io(fake_file_t *f) {
  pas_file_io_t io = {f,           fake_read,  fake_write,  fake_seek_start,
                      fake_rewrite_header,     fake_error,  fake_lock,  fake_unlock};
  return io;
}

/* fake counters, read under the file's lock */
static int fake_get(fake_file_t *f, const int *field) {
  pthread_mutex_lock(&f->mutex);
  int v = *field;
  pthread_mutex_unlock(&f->mutex);
  return v;
}

/* ---- a ring of uint32 frames ---- */

typedef struct test_ring {
  void *memory;
  pas_ring_t r;
} test_ring_t;

static int ring_new(test_ring_t *t, uint32_t capacity) {
  size_t bytes = pas_ring_bytes(4, capacity);
  t->memory = th_alloc(bytes);
  return pas_ring_init(&t->r, t->memory, bytes, 4, capacity);
}

static pas_file_pump_config_t config_of(int direction, int loop, const char *name) {
  /* a short poll (0.5 ms) keeps the tests fast */
  pas_file_pump_config_t c = {direction, loop, 1000.0, 1.0, name};
  return c;
}

/* Waits until cond(arg) holds; fails the test after 10 s (a hang). */
static int wait_until(int (*cond)(void *), void *arg) {
  struct timespec start, now, pause = {0, 100000};
  clock_gettime(CLOCK_MONOTONIC, &start);
  for (;;) {
    if (cond(arg)) return 1;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (now.tv_sec - start.tv_sec > 10) return 0;
    nanosleep(&pause, NULL);
  }
}

static int pump_finished(void *arg) { return !pas_file_pump_running(arg); }

/* Producer: writes frames 0..count-1 into the ring as room appears; stops
 * early when the pump ends by itself. Returns the frames written. */
static uint32_t produce(pas_ring_t *ring, pas_file_pump_t *pump, uint32_t count) {
  uint32_t next = 0;
  while (next < count) {
    uint32_t chunk[37];
    uint32_t n = count - next < 37 ? count - next : 37;
    for (uint32_t i = 0; i < n; i++) chunk[i] = next + i;
    uint32_t put = pas_ring_write(ring, chunk, n);
    next += put;
    if (put == 0) {
      if (!pas_file_pump_running(pump)) break;
      sched_yield();
    }
  }
  return next;
}

/* Consumer: reads count frames from the ring, checking frame i is
 * expect(i); returns the frames read (fewer if the pump ends first). */
static uint32_t consume(pas_ring_t *ring, pas_file_pump_t *pump, uint32_t count, uint32_t modulo) {
  uint32_t done = 0;
  while (done < count) {
    uint32_t v;
    if (pas_ring_read(ring, &v, 1) == 1) {
      CHECK_MSG(v == done % modulo, "frame %u is %u, expected %u", done, v, done % modulo);
      if (TH_FAILED()) return done;
      done++;
    } else if (!pas_file_pump_running(pump) && pas_ring_read_available(ring) == 0) {
      break;
    } else {
      sched_yield();
    }
  }
  return done;
}

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
  free(t.memory);
}

TEST(record_full_disk_keeps_what_was_written) {
  static fake_file_t f;
  fake_init(&f, 0);
  f.disk_limit = 300;
  test_ring_t t;
  REQUIRE_EQ_INT(ring_new(&t, 64), PAS_RING_OK);
  pas_file_io_t io = fake_io(&f);
  pas_file_pump_config_t c = config_of(PAS_FILE_PUMP_RECORD, 0, "'full.wav'");
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
  free(t.memory);
}

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
  pas_file_pump_t *p;
  REQUIRE_EQ_INT(pas_file_pump_create(&p, &c, &t.r, &io), PAS_FILE_PUMP_OK);
  REQUIRE_EQ_INT(pas_file_pump_start(p), PAS_FILE_PUMP_OK);
  REQUIRE(wait_until(pump_finished, p));
  const char *error = pas_file_pump_error(p);
  REQUIRE(error != NULL);
  CHECK_MSG(strcmp(error, "Error recording to 'gone.wav': the file was closed while recording; "
                          "kept 0 frames (0.000 s)") == 0,
            "error: %s", error);
  pas_file_pump_destroy(p);
  free(t.memory);
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
  free(t.memory);
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
  REQUIRE_EQ_INT(pas_file_pump_start(p), PAS_FILE_PUMP_OK);
  CHECK_EQ_INT(consume(&t.r, p, 2000, UINT32_MAX), 1000);
  /* it ended by itself at the end of the file */
  CHECK_EQ_INT(pas_file_pump_running(p), 0);
  CHECK_EQ_INT(pas_file_pump_frames(p), 1000);
  CHECK(pas_file_pump_error(p) == NULL);
  CHECK_EQ_INT(f.seeks, 0);
  pas_file_pump_destroy(p);
  free(t.memory);
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
  CHECK(pas_file_pump_frames(p) >= 1050);
  CHECK(f.seeks >= 10);
  CHECK(pas_file_pump_error(p) == NULL);
  pas_file_pump_destroy(p);
  free(t.memory);
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
  free(t.memory);
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
  free(t.memory);
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
  free(t.memory);
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
  /* record, ring empty: the thread polls for data; stop ends it */
  fake_init(&f, 0);
  pas_file_io_t io = fake_io(&f);
  pas_file_pump_config_t c = config_of(PAS_FILE_PUMP_RECORD, 0, "idle.wav");
  c.samplerate = 48000;
  c.blocksize = 1e6; /* the longest poll, 50 ms */
  pas_file_pump_t *p;
  REQUIRE_EQ_INT(pas_file_pump_create(&p, &c, &t.r, &io), PAS_FILE_PUMP_OK);
  REQUIRE_EQ_INT(pas_file_pump_start(p), PAS_FILE_PUMP_OK);
  CHECK_EQ_INT(pas_file_pump_running(p), 1);
  pas_file_pump_stop(p);
  CHECK_EQ_INT(pas_file_pump_running(p), 0);
  CHECK_EQ_INT(pas_file_pump_frames(p), 0);
  CHECK(pas_file_pump_error(p) == NULL);
  CHECK_EQ_INT(f.writes, 0);
  pas_file_pump_destroy(p);

  /* play, ring full: the thread polls for room; stop ends it */
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
  free(t.memory);
}

/* ---- configuration ---- */

TEST(config_and_poll_interval) {
  CHECK_EQ_INT(pas_file_pump_poll_ns(48000, 256), 2666666);
  CHECK_EQ_INT(pas_file_pump_poll_ns(48000, 0), 2666666); /* blocksize 0: assume 256 */
  CHECK_EQ_INT(pas_file_pump_poll_ns(48000, 1e6), 50000000);
  CHECK_EQ_INT(pas_file_pump_poll_ns(1e9, 1), 500000);
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
  free(t.memory);
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
      TEST_ENTRY(config_and_poll_interval),
  };
  return th_run(tests, sizeof tests / sizeof tests[0], argc, argv);
}
