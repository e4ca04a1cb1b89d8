/*
 * pastream file pump: the thread that moves frames between a ring and a
 * sound file, with all of its policy (waking on fill level, end of file, looping, header
 * rewrites, drain on stop, frame counts, the first error as a message).
 * See include/pastream/file_pump.h for the contract. Not the audio thread:
 * this file may allocate (create), sleep and take the io's lock.
 */
#define _POSIX_C_SOURCE 200809L

#include "pastream/file_pump.h"
#include "pastream/layout.h"
#include "pastream/platform.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PAS_FILE_PUMP_ERROR_BYTES 512

struct pas_file_pump {
  pas_file_pump_config_t config;
  pas_file_io_t io;
  pas_ring_t ring;
  char *name;
  long wake_ns;              /* pas_file_pump_wake_ns of the ring */
  pthread_mutex_t wake_lock; /* with wake: a stop request ends the sleep */
  pthread_cond_t wake;
  atomic_int stop_requested;
  atomic_int finished;
  atomic_int has_error;      /* release: error[] is complete before it is 1 */
  _Atomic int64_t frames;    /* frames moved so far */
  pthread_t thread;
  int started;
  int joined;
  char error[PAS_FILE_PUMP_ERROR_BYTES]; /* written once, by the thread */
};

const char *pas_file_pump_strerror(int code) {
  switch (code) {
    case PAS_FILE_PUMP_OK: return "ok";
    case PAS_FILE_PUMP_E_CONFIG: return "file pump: bad direction, samplerate or io table";
    case PAS_FILE_PUMP_E_MEMORY: return "file pump: out of memory";
    case PAS_FILE_PUMP_E_THREAD: return "could not start the pump thread";
    default: return "unknown file pump error";
  }
}

long pas_file_pump_wake_ns(uint32_t ring_frames, double samplerate) {
  double ms = samplerate > 0 ? (double)ring_frames / PAS_FILL_WAKE_PARTS / samplerate * 1000.0
                             : PAS_MAX_FILL_WAKE_MS;
  ms = ms < 1 ? 1 : ms > PAS_MAX_FILL_WAKE_MS ? PAS_MAX_FILL_WAKE_MS : (double)(long)ms;
  return (long)ms * 1000000L;
}

int pas_file_pump_create(pas_file_pump_t **pump, const pas_file_pump_config_t *config,
                         const pas_ring_t *ring, const pas_file_io_t *io) {
  *pump = NULL;
  const int record = config->direction == PAS_FILE_PUMP_RECORD;
  const int play = config->direction == PAS_FILE_PUMP_PLAY;
  if ((!record && !play) || !(config->samplerate > 0) || ring == NULL || io == NULL ||
      (record && io->write == NULL) || (play && (io->read == NULL || io->seek_start == NULL)))
    return PAS_FILE_PUMP_E_CONFIG;
  pas_file_pump_t *p = calloc(1, sizeof *p);
  const char *name = config->name != NULL ? config->name : "the sound file";
  char *copy = p != NULL ? malloc(strlen(name) + 1) : NULL;
  if (copy == NULL) {
    free(p);
    return PAS_FILE_PUMP_E_MEMORY;
  }
  strcpy(copy, name);
  p->config = *config;
  p->config.name = copy;
  p->name = copy;
  p->io = *io;
  p->ring = *ring;
  p->wake_ns = pas_file_pump_wake_ns(ring->size, config->samplerate);
  int wake_ok = pas_cond_init_monotonic(&p->wake) == 0;
  if (!wake_ok || pthread_mutex_init(&p->wake_lock, NULL) != 0) {
    if (wake_ok) pthread_cond_destroy(&p->wake);
    free(copy);
    free(p);
    return PAS_FILE_PUMP_E_MEMORY;
  }
  atomic_init(&p->stop_requested, 0);
  atomic_init(&p->finished, 0);
  atomic_init(&p->has_error, 0);
  atomic_init(&p->frames, 0);
  *pump = p;
  return PAS_FILE_PUMP_OK;
}

/* ---- helpers for the thread ---- */

/* Sleeps one fill-level interval, or less when a stop is requested. */
static void sleep_fill_level(pas_file_pump_t *p) {
  struct timespec until;
  clock_gettime(CLOCK_MONOTONIC, &until);
  until.tv_nsec += p->wake_ns % 1000000000L;
  until.tv_sec += p->wake_ns / 1000000000L + until.tv_nsec / 1000000000L;
  until.tv_nsec %= 1000000000L;
  pthread_mutex_lock(&p->wake_lock);
  while (!atomic_load_explicit(&p->stop_requested, memory_order_relaxed))
    if (pas_cond_wait_until(&p->wake, &p->wake_lock, &until) != 0) break;
  pthread_mutex_unlock(&p->wake_lock);
}

static void io_lock(pas_file_pump_t *p) {
  if (p->io.lock) p->io.lock(p->io.user);
}

static void io_unlock(pas_file_pump_t *p) {
  if (p->io.unlock) p->io.unlock(p->io.user);
}

/* The first error wins; the thread ends right after. */
static void fail(pas_file_pump_t *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void fail(pas_file_pump_t *p, const char *fmt, ...) {
  if (atomic_load_explicit(&p->has_error, memory_order_relaxed)) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(p->error, sizeof p->error, fmt, ap);
  va_end(ap);
  /* release: the text is complete before anyone sees has_error */
  atomic_store_explicit(&p->has_error, 1, memory_order_release);
}

static double seconds(const pas_file_pump_t *p, int64_t frames) {
  return p->config.samplerate > 0 ? (double)frames / p->config.samplerate : 0.0;
}

static void add_frames(pas_file_pump_t *p, int64_t n) {
  int64_t total = atomic_load_explicit(&p->frames, memory_order_relaxed) + n;
  atomic_store_explicit(&p->frames, total, memory_order_relaxed);
}

/* Reads the ring's writable regions full from the file. Caller holds the
 * io lock. Returns frames read or PAS_FILE_IO_CLOSED; *room is the space. */
static int64_t read_into_ring(pas_file_pump_t *p, uint32_t *room) {
  void *r1, *r2;
  uint32_t n1, n2;
  *room = pas_ring_get_write_regions(&p->ring, pas_ring_write_available(&p->ring), &r1, &n1,
                                     &r2, &n2);
  if (*room == 0) return 0;
  int64_t got = p->io.read(p->io.user, r1, n1);
  if (got == n1 && n2 > 0) {
    int64_t more = p->io.read(p->io.user, r2, n2);
    if (more == PAS_FILE_IO_CLOSED) return more;
    got += more;
  }
  return got;
}

/* ---- record: ring -> file ---- */

static void record(pas_file_pump_t *p) {
  for (;;) {
    /* acquire, and read the flag before the count: after a stop request,
     * whatever the count shows is final (the producer stopped first), so
     * drain it and end */
    const int stopping = atomic_load_explicit(&p->stop_requested, memory_order_acquire);
    void *r1, *r2;
    uint32_t n1, n2;
    const uint32_t avail = pas_ring_get_read_regions(&p->ring, pas_ring_read_available(&p->ring),
                                                     &r1, &n1, &r2, &n2);
    if (avail == 0) {
      if (stopping) return;
      sleep_fill_level(p);
      continue;
    }
    const int64_t kept = atomic_load_explicit(&p->frames, memory_order_relaxed);
    io_lock(p);
    int64_t want = n1;
    int64_t put = p->io.write(p->io.user, r1, n1);
    if (put == n1 && n2 > 0) {
      want += n2;
      int64_t more = p->io.write(p->io.user, r2, n2);
      put = more == PAS_FILE_IO_CLOSED ? more : put + more;
    }
    if (put == PAS_FILE_IO_CLOSED) {
      io_unlock(p);
      fail(p, "Error recording to %s: the file was closed while recording; kept %lld frames (%.3f s)",
           p->name, (long long)kept, seconds(p, kept));
      return;
    }
    const char *message = NULL;
    if (put < want) {
      message = p->io.error ? p->io.error(p->io.user) : NULL;
      if (message == NULL || message[0] == '\0') message = "write failed";
      fail(p, "Error recording to %s: %s; kept %lld frames (%.3f s)", p->name, message,
           (long long)(kept + (put > 0 ? put : 0)), seconds(p, kept + (put > 0 ? put : 0)));
    }
    /* after every write, so a killed process leaves a file that opens
     * with every frame written (on a failed write too: what was kept) */
    if (put > 0 && p->io.rewrite_header) p->io.rewrite_header(p->io.user);
    io_unlock(p);
    if (put > 0) {
      pas_ring_advance_read(&p->ring, (uint32_t)put);
      add_frames(p, put);
    }
    /* disk full or an I/O error: keep what was written, stop here */
    if (message != NULL) return;
  }
}

/* ---- play: file -> ring ---- */

static void play(pas_file_pump_t *p) {
  int read_since_seek = 1;
  for (;;) {
    if (atomic_load_explicit(&p->stop_requested, memory_order_acquire)) return;
    if (pas_ring_write_available(&p->ring) == 0) {
      sleep_fill_level(p);
      continue;
    }
    io_lock(p);
    uint32_t room;
    const int64_t got = read_into_ring(p, &room);
    if (got == PAS_FILE_IO_CLOSED) {
      io_unlock(p);
      fail(p, "Error playing %s: the file was closed while playing", p->name);
      return;
    }
    int eof = 0;
    const char *message = NULL;
    if (got < room) {
      message = p->io.error ? p->io.error(p->io.user) : NULL;
      eof = 1;
    }
    /* an empty file cannot loop: no seek after a pass that read nothing */
    if (eof && message == NULL && p->config.loop && (got > 0 || read_since_seek)) {
      if (p->io.seek_start(p->io.user) < 0) {
        message = p->io.error ? p->io.error(p->io.user) : NULL;
        if (message == NULL) message = "seek failed";
      }
    }
    if (message != NULL) {
      const int64_t total = atomic_load_explicit(&p->frames, memory_order_relaxed) + got;
      fail(p, "Error playing %s: %s after %lld frames", p->name, message, (long long)total);
    }
    io_unlock(p);
    if (got > 0) {
      pas_ring_advance_write(&p->ring, (uint32_t)got);
      add_frames(p, got);
    }
    if (message != NULL) return;
    if (eof) {
      if (!p->config.loop || (got == 0 && !read_since_seek)) {
        /* after the last advance_write: a dry ring is now the end */
        pas_ring_set_writer(&p->ring, PAS_RING_WRITER_ENDED);
        return;
      }
      read_since_seek = got > 0;
    } else {
      read_since_seek = 1;
    }
  }
}

static void *thread_main(void *arg) {
  pas_file_pump_t *p = arg;
  if (p->config.direction == PAS_FILE_PUMP_RECORD) record(p);
  else play(p);
  /* release: frames and error are final before finished reads 1 */
  atomic_store_explicit(&p->finished, 1, memory_order_release);
  if (p->config.ended != NULL) p->config.ended(p->config.ended_user);
  return NULL;
}

/* ---- the owner's side ---- */

int64_t pas_file_pump_prefill(pas_file_pump_t *p) {
  io_lock(p);
  uint32_t room;
  const int64_t got = read_into_ring(p, &room);
  io_unlock(p);
  if (got > 0) {
    pas_ring_advance_write(&p->ring, (uint32_t)got);
    add_frames(p, got);
  }
  return got;
}

int pas_file_pump_start(pas_file_pump_t *p) {
  if (p->started) return PAS_FILE_PUMP_OK;
  /* before the thread and the device: a ring the player has not filled
   * yet is late, not ended */
  if (p->config.direction == PAS_FILE_PUMP_PLAY) pas_ring_set_writer(&p->ring, PAS_RING_WRITER_OPEN);
  if (pthread_create(&p->thread, NULL, thread_main, p) != 0) return PAS_FILE_PUMP_E_THREAD;
  p->started = 1;
  return PAS_FILE_PUMP_OK;
}

void pas_file_pump_stop(pas_file_pump_t *p) {
  if (!p->started || p->joined) return;
  /* release: pairs with the thread's acquire load; under the lock, so a
   * sleeping thread cannot miss the signal between its check and its wait */
  pthread_mutex_lock(&p->wake_lock);
  atomic_store_explicit(&p->stop_requested, 1, memory_order_release);
  pthread_cond_signal(&p->wake);
  pthread_mutex_unlock(&p->wake_lock);
  pthread_join(p->thread, NULL);
  p->joined = 1;
}

void pas_file_pump_destroy(pas_file_pump_t *p) {
  if (p == NULL) return;
  pas_file_pump_stop(p);
  pthread_cond_destroy(&p->wake);
  pthread_mutex_destroy(&p->wake_lock);
  free(p->name);
  free(p);
}

int64_t pas_file_pump_frames(const pas_file_pump_t *p) {
  return atomic_load_explicit(&((pas_file_pump_t *)p)->frames, memory_order_relaxed);
}

int pas_file_pump_running(const pas_file_pump_t *p) {
  pas_file_pump_t *q = (pas_file_pump_t *)p;
  return p->started && !atomic_load_explicit(&q->finished, memory_order_acquire);
}

const char *pas_file_pump_error(const pas_file_pump_t *p) {
  pas_file_pump_t *q = (pas_file_pump_t *)p;
  return atomic_load_explicit(&q->has_error, memory_order_acquire) ? p->error : NULL;
}
