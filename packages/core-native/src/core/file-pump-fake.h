/*
 * Test doubles for file_pump.test.c: a fake file in memory behind a
 * pas_file_io_t (frames of one uint32 each, counting reads, writes, seeks
 * and header rewrites, with a disk limit, a failing seek and a "closed"
 * switch), a ring of uint32 frames, a producer and a consumer that check
 * the frame sequence, and wait_until, which polls a condition (never a
 * fixed sleep) and gives up after 10 s.
 */
#ifndef PASTREAM_FILE_PUMP_FAKE_H
#define PASTREAM_FILE_PUMP_FAKE_H

#include <pthread.h>
#include <sched.h>
#include <stdint.h>
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

static inline void fake_init(fake_file_t *f, int64_t length) {
  memset(f, 0, sizeof *f);
  pthread_mutex_init(&f->mutex, NULL);
  f->length = length;
  f->disk_limit = -1;
  for (int64_t i = 0; i < length; i++) f->data[i] = (uint32_t)i;
}

static inline void fake_lock(void *user) {
  fake_file_t *f = user;
  pthread_mutex_lock(&f->mutex);
  f->wrote_in_batch = f->rewrote_in_batch = 0;
}

static inline void fake_unlock(void *user) {
  fake_file_t *f = user;
  if (f->wrote_in_batch && !f->rewrote_in_batch) f->batches_without_rewrite++;
  pthread_mutex_unlock(&f->mutex);
}

static inline int64_t fake_read(void *user, void *dst, uint32_t frames) {
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

static inline int64_t fake_write(void *user, const void *src, uint32_t frames) {
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

static inline int fake_seek_start(void *user) {
  fake_file_t *f = user;
  f->seeks++;
  if (f->fail_seek) {
    f->error = "Bad seek";
    return -1;
  }
  f->position = 0;
  return 0;
}

static inline int fake_rewrite_header(void *user) {
  fake_file_t *f = user;
  f->rewrites++;
  f->rewrote_in_batch = 1;
  f->header_frames = f->length;
  return 0;
}

static inline const char *fake_error(void *user) { return ((fake_file_t *)user)->error; }

static inline pas_file_io_t fake_io(fake_file_t *f) {
  pas_file_io_t io = {f,           fake_read,  fake_write,  fake_seek_start,
                      fake_rewrite_header,     fake_error,  fake_lock,  fake_unlock};
  return io;
}

/* fake counters, read under the file's lock */
static inline int fake_get(fake_file_t *f, const int *field) {
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

static inline int ring_new(test_ring_t *t, uint32_t size) {
  size_t bytes = pas_ring_bytes(4, size);
  t->memory = th_alloc(bytes);
  return pas_ring_init(&t->r, t->memory, bytes, 4, size);
}

static inline pas_file_pump_config_t config_of(int direction, int loop, const char *name) {
  /* a fast rate keeps the tests fast: the test rings (16 to 256 frames)
   * fill a quarter in under 1 ms, so the pump wakes every 1 ms */
  pas_file_pump_config_t c = {direction, loop, 1e6, name, NULL, NULL};
  return c;
}

/* Waits until cond(arg) holds; fails the test after 10 s (a hang). */
static inline int wait_until(int (*cond)(void *), void *arg) {
  struct timespec start, now, pause = {0, 100000};
  clock_gettime(CLOCK_MONOTONIC, &start);
  for (;;) {
    if (cond(arg)) return 1;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (now.tv_sec - start.tv_sec > 10) return 0;
    nanosleep(&pause, NULL);
  }
}

static inline int pump_finished(void *arg) { return !pas_file_pump_running(arg); }

/* Producer: writes frames 0..count-1 into the ring as room appears; stops
 * early when the pump ends by itself. Returns the frames written. */
static inline uint32_t produce(pas_ring_t *ring, pas_file_pump_t *pump, uint32_t count) {
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
static inline uint32_t consume(pas_ring_t *ring, pas_file_pump_t *pump, uint32_t count, uint32_t modulo) {
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

#endif
