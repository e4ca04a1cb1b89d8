/*
 * pastream file pump: a thread that moves frames between a ring and a
 * sound file, so recording to disk (or playing from it) never waits for
 * JavaScript. Record: the ring's consumer side -> the file. Play: the file
 * -> the ring's producer side.
 *
 * The pump holds the policy: when to wake (on fill level: a quarter of the
 * ring, at most every PAS_MAX_FILL_WAKE_MS; a stop request wakes it at
 * once), end of file, looping (seek back to the start; an empty file
 * cannot loop), the header rewrite after every write (a killed process
 * leaves a file that opens with every frame written), draining the ring on
 * stop, counting frames and capturing the first error as a message. It
 * knows nothing of libsndfile or Node: it talks to the file through
 * pas_file_io_t, so tests drive it with a fake file.
 *
 * Memory: pas_file_pump_create copies the config and the io table and
 * views the ring (the caller keeps the ring's memory and whatever io.user
 * points to alive until pas_file_pump_destroy). The caller owns the pump.
 *
 * Threads: create, prefill, start, stop and destroy from one owner thread
 * at a time (stop may run on a worker thread while the owner waits).
 * frames / running / error from any thread. The io functions run on the
 * pump's thread (and on the owner's, in prefill), always between io.lock
 * and io.unlock when those are given.
 *
 * Pairs: create ... destroy; start ... stop (destroy stops a started pump).
 */
#ifndef PASTREAM_FILE_PUMP_H
#define PASTREAM_FILE_PUMP_H

#include <stddef.h>
#include <stdint.h>

#include "ring.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Returned by io.read / io.write when the file was closed under the pump. */
#define PAS_FILE_IO_CLOSED (-1)

/* The file, as the pump sees it. Frames are ring frames (the ring's
 * elementsize bytes each, in the ring's sample format). */
typedef struct pas_file_io {
  void *user;
  /* Reads up to frames frames into dst. Returns frames read (fewer at end
   * of file or on an error: see error), or PAS_FILE_IO_CLOSED. */
  int64_t (*read)(void *user, void *dst, uint32_t frames);
  /* Writes frames frames from src. Returns frames written (fewer on an
   * error: disk full...), or PAS_FILE_IO_CLOSED. */
  int64_t (*write)(void *user, const void *src, uint32_t frames);
  /* Seeks to the first frame (play, loop). 0 on success, < 0 on error. */
  int (*seek_start)(void *user);
  /* Rewrites the header so it counts every frame written. NULL: never
   * (streamed containers with no length in a header). 0 on success. */
  int (*rewrite_header)(void *user);
  /* The file's last error as text, or NULL when it has none (a short read
   * without an error is the end of the file). Valid until unlock. Called
   * on the pump's thread right after the short read or write, before the
   * pump publishes its error: what it records in user for the owner is
   * visible to whoever has seen pas_file_pump_error return the message. */
  const char *(*error)(void *user);
  /* Optional: held around every batch of io calls. */
  void (*lock)(void *user);
  void (*unlock)(void *user);
} pas_file_io_t;

typedef enum pas_file_pump_direction {
  PAS_FILE_PUMP_RECORD = 1, /* ring -> file */
  PAS_FILE_PUMP_PLAY = 2    /* file -> ring */
} pas_file_pump_direction_t;

typedef struct pas_file_pump_config {
  int direction;     /* pas_file_pump_direction_t */
  int loop;          /* play: seek back to the start at end of file */
  double samplerate; /* > 0; with the ring's size, sets the wake interval;
                        and the seconds in messages */
  const char *name;  /* the file, for messages (copied); NULL: "the sound file" */
  /* Optional: called once on the pump's thread as it ends (by itself: end
   * of file, an error; or after a stop request), when frames and error are
   * final. Lets the owner learn of an end without polling. Must not block. */
  void (*ended)(void *user);
  void *ended_user;
} pas_file_pump_config_t;

typedef struct pas_file_pump pas_file_pump_t;

/* Error codes of create/start (0 = ok). */
enum pas_file_pump_error {
  PAS_FILE_PUMP_OK = 0,
  PAS_FILE_PUMP_E_CONFIG = -1, /* direction, samplerate or io functions missing */
  PAS_FILE_PUMP_E_MEMORY = -2, /* out of memory */
  PAS_FILE_PUMP_E_THREAD = -3  /* the thread could not be started */
};

/* A readable message for a pas_file_pump_error code. */
const char *pas_file_pump_strerror(int code);

/* How long the thread sleeps while its ring is empty (record) or full
 * (play), in nanoseconds: the time a quarter of a ring of ring_frames takes
 * to fill or play out, in whole ms within [1, PAS_MAX_FILL_WAKE_MS] (the
 * rule of layout.h, which the JS pumps follow too). Never per device
 * period: a wake-up is what a pump costs. */
long pas_file_pump_wake_ns(uint32_t ring_frames, double samplerate);

/* Allocates a pump over ring (a copy of the caller's view) and io. On
 * failure *pump is NULL and the return value says why. */
int pas_file_pump_create(pas_file_pump_t **pump, const pas_file_pump_config_t *config,
                         const pas_ring_t *ring, const pas_file_io_t *io);

/* Play, before start: fills the ring from the file on the calling thread,
 * so the stream starts with data. Counts the frames. Returns
 * PAS_FILE_IO_CLOSED when the file is closed, else the frames read. */
int64_t pas_file_pump_prefill(pas_file_pump_t *pump);

/* Starts the thread. */
int pas_file_pump_start(pas_file_pump_t *pump);

/* Asks the thread to end and joins it: a record pump first drains what the
 * ring holds (the producer must have stopped); a play pump ends at once.
 * May block as long as one file write takes. Idempotent. */
void pas_file_pump_stop(pas_file_pump_t *pump);

/* Stops (if started) and frees the pump. */
void pas_file_pump_destroy(pas_file_pump_t *pump);

/* Frames moved between the ring and the file so far (play: prefill
 * included). May be stale by one batch. */
int64_t pas_file_pump_frames(const pas_file_pump_t *pump);

/* 1 while the thread is started and has not finished by itself or been
 * stopped. */
int pas_file_pump_running(const pas_file_pump_t *pump);

/* Why the thread ended early (disk full, file closed...), or NULL. Set
 * once, before the thread finishes; the text lives as long as the pump. */
const char *pas_file_pump_error(const pas_file_pump_t *pump);

#ifdef __cplusplus
}
#endif

#endif
