/*
 * The shared helpers of the ring's unit tests (ring*.test.c): a ring in its
 * own allocation with guard bytes on both sides (gring_t), checks of the
 * guards and of the header, and deterministic element content (fill_seq,
 * check_seq). Static inline functions: each test file includes this header
 * once.
 */
#ifndef PASTREAM_RING_FIXTURE_H
#define PASTREAM_RING_FIXTURE_H

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pastream/layout.h"
#include "pastream/ring.h"
#include "test-harness.h"

/* ---- a ring in its own allocation, with guard bytes on both sides ---- */

#define GUARD 64
#define GUARD_BYTE 0xA5

typedef struct gring {
  uint8_t *alloc; /* GUARD | ring block (bytes) | GUARD */
  uint8_t *base;  /* alloc + GUARD, 64-byte aligned */
  size_t bytes;
  pas_ring_t r;
} gring_t;

static inline int gring_new(gring_t *g, uint32_t elementsize, uint32_t size) {
  g->bytes = pas_ring_bytes(elementsize, size);
  g->alloc = th_alloc(g->bytes + 2 * GUARD);
  g->base = g->alloc + GUARD;
  memset(g->alloc, GUARD_BYTE, GUARD);
  memset(g->base + g->bytes, GUARD_BYTE, GUARD);
  /* poison the data so a read of unwritten elements is visible */
  memset(g->base, 0xEE, g->bytes);
  return pas_ring_init(&g->r, g->base, g->bytes, elementsize, size);
}

static inline void gring_free(gring_t *g) {
  th_free(g->alloc);
  g->alloc = g->base = NULL;
}

static inline int guards_ok(const gring_t *g) {
  for (size_t i = 0; i < GUARD; i++) {
    if (g->alloc[i] != GUARD_BYTE) return 0;
    if (g->base[g->bytes + i] != GUARD_BYTE) return 0;
  }
  return 1;
}

static inline uint32_t hdr_u32(const uint8_t *base, size_t off) {
  uint32_t v;
  memcpy(&v, base + off, 4);
  return v;
}

static inline void hdr_set_u32(uint8_t *base, size_t off, uint32_t v) { memcpy(base + off, &v, 4); }

/* The header is intact: magic/version/shape, and the padding between the
 * two index words and after the shape words is still zero. */
static inline int header_ok(const gring_t *g, uint32_t es, uint32_t cap) {
  const uint8_t *b = g->base;
  if (hdr_u32(b, PAS_RING_MAGIC_OFFSET) != PAS_RING_MAGIC) return 0;
  if (hdr_u32(b, PAS_RING_VERSION_OFFSET) != PAS_RING_VERSION) return 0;
  if (hdr_u32(b, PAS_RING_ELEMENTSIZE_OFFSET) != es) return 0;
  if (hdr_u32(b, PAS_RING_SIZE_OFFSET) != cap) return 0;
  for (size_t i = 4; i < 64; i++)
    if (b[i] != 0) return 0;
  for (size_t i = 68; i < 128; i++)
    if (b[i] != 0) return 0;
  /* the writer state (any of enum pas_ring_writer), then padding */
  if (hdr_u32(b, PAS_RING_WRITER_OFFSET) > PAS_RING_WRITER_ENDED) return 0;
  for (size_t i = PAS_RING_WRITER_OFFSET + 4; i < PAS_RING_HEADER_BYTES; i++)
    if (b[i] != 0) return 0;
  return 1;
}

/* Deterministic element content: element number n (a 64-bit sequence
 * number), byte j. */
static inline uint8_t seq_byte(uint64_t n, uint32_t j) {
  uint64_t m = th_mix(n + ((uint64_t)(j / 8) << 56));
  return (uint8_t)(m >> (8 * (j % 8)));
}

static inline void fill_seq(uint8_t *dst, uint64_t first, uint32_t count, uint32_t es) {
  for (uint32_t i = 0; i < count; i++)
    for (uint32_t j = 0; j < es; j++) dst[(size_t)i * es + j] = seq_byte(first + i, j);
}

/* Returns the index of the first wrong element, or count if all match. */
static inline uint32_t check_seq(const uint8_t *src, uint64_t first, uint32_t count, uint32_t es) {
  for (uint32_t i = 0; i < count; i++)
    for (uint32_t j = 0; j < es; j++)
      if (src[(size_t)i * es + j] != seq_byte(first + i, j)) return i;
  return count;
}

#endif
