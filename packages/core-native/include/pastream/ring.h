/*
 * pastream ring buffer: single-producer / single-consumer, lock-free, over
 * caller-given memory laid out as in layout.h.
 *
 * Memory: the caller owns it (in Node, a SharedArrayBuffer kept alive by the
 * addon). pas_ring_init formats it; pas_ring_attach validates a block some
 * other party formatted. Neither allocates, and there is nothing to free:
 * a pas_ring_t is only a cached view (base pointer, elementsize, mask).
 *
 * Threads: exactly one producer calls the write-side functions
 * (write_available, write, get_write_regions, advance_write) and exactly one
 * consumer the read-side ones (read_available, read, get_read_regions,
 * advance_read, flush). Either side may run on the audio thread: every
 * function here is wait-free, allocates nothing and makes no system call.
 *
 * Indices are 32-bit counters that wrap; the position in the data is
 * index & (size - 1). Available counts seen by one side may be stale,
 * in the safe direction: the producer may see less free space, the
 * consumer fewer frames, than there are.
 */
#ifndef PASTREAM_RING_H
#define PASTREAM_RING_H

#include <stddef.h>
#include <stdint.h>

#include "layout.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pas_ring {
  uint8_t *base;        /* start of the shared block (header) */
  uint8_t *data;        /* base + PAS_RING_HEADER_BYTES */
  uint32_t elementsize; /* bytes per element (frame) */
  uint32_t size;    /* elements, a power of two */
  uint32_t mask;        /* size - 1 */
} pas_ring_t;

/* Error codes of init/attach (0 = ok). */
enum pas_ring_error {
  PAS_RING_OK = 0,
  PAS_RING_E_NULL = -1,          /* null memory or ring */
  PAS_RING_E_SIZE = -2,      /* size not a power of two in [1, 2^31] */
  PAS_RING_E_ELEMENTSIZE = -3,   /* elementsize == 0 */
  PAS_RING_E_TOO_SMALL = -4,     /* bytes < header + size * elementsize */
  PAS_RING_E_MAGIC = -5,         /* attach: not a pastream ring */
  PAS_RING_E_ALIGNMENT = -6      /* memory not 8-byte aligned */
};

/* Bytes a ring of this shape needs (header + data); 0 if it overflows size_t. */
size_t pas_ring_bytes(uint32_t elementsize, uint32_t size);

/* Formats memory as an empty ring. Not thread-safe: call before sharing. */
int pas_ring_init(pas_ring_t *ring, void *memory, size_t bytes,
                  uint32_t elementsize, uint32_t size);

/* Views a ring formatted elsewhere (by JS or pas_ring_init); validates it. */
int pas_ring_attach(pas_ring_t *ring, void *memory, size_t bytes);

/* A readable message for a pas_ring_error code. */
const char *pas_ring_strerror(int code);

/* The two index helpers: every index access in C goes through them. */
uint32_t pas_ring_load_acquire(const uint8_t *base, size_t offset);
void pas_ring_store_release(uint8_t *base, size_t offset, uint32_t value);

/* Consumer side. */
uint32_t pas_ring_read_available(const pas_ring_t *ring);
uint32_t pas_ring_read(pas_ring_t *ring, void *dest, uint32_t count);
/* Up to count readable elements as one or two regions (two when wrapping).
 * Returns the total; *size2 is 0 when one region suffices. */
uint32_t pas_ring_get_read_regions(const pas_ring_t *ring, uint32_t count,
                                   void **region1, uint32_t *size1,
                                   void **region2, uint32_t *size2);
void pas_ring_advance_read(pas_ring_t *ring, uint32_t count);
/* Discards everything readable now. Returns how many elements it dropped. */
uint32_t pas_ring_flush(pas_ring_t *ring);

/* Producer side. */
uint32_t pas_ring_write_available(const pas_ring_t *ring);
uint32_t pas_ring_write(pas_ring_t *ring, const void *src, uint32_t count);
uint32_t pas_ring_get_write_regions(const pas_ring_t *ring, uint32_t count,
                                    void **region1, uint32_t *size1,
                                    void **region2, uint32_t *size2);
void pas_ring_advance_write(pas_ring_t *ring, uint32_t count);
/* The producer says whether more data will come (enum pas_ring_writer);
 * ENDED is stored with release after its last advance_write, so a consumer
 * that loads ENDED (acquire) before reading sees every frame. */
void pas_ring_set_writer(pas_ring_t *ring, uint32_t writer);
/* Consumer side of the same word (acquire). */
uint32_t pas_ring_writer(const pas_ring_t *ring);

/* Raw index reads (acquire), for the engine's loop rewind and for tests. */
uint32_t pas_ring_read_index(const pas_ring_t *ring);
uint32_t pas_ring_write_index(const pas_ring_t *ring);
/* Consumer only: move read_index to an earlier position still holding data
 * (loop replay). Safe only while no producer writes. */
void pas_ring_set_read_index(pas_ring_t *ring, uint32_t index);

#ifdef __cplusplus
}
#endif

#endif
