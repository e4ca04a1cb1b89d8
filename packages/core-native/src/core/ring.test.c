/*
 * Unit tests of the SPSC ring (src/core/ring.c) against include/pastream/ring.h
 * and layout.h, on one thread: init/attach errors, single-thread properties
 * with seeded random shapes (wrap-around, split regions, full/empty edges,
 * 32-bit index wrap), guard bytes around the block. The two-thread stress
 * tests are in ring-stress.test.c, the shared helpers in ring-fixture.h.
 *
 * Run with test names (substrings) as arguments to run only those.
 */
#define _POSIX_C_SOURCE 200809L

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
#include "ring-fixture.h"

/* ---- tests ---- */

TEST(bytes_and_layout) {
  CHECK_EQ_INT(PAS_RING_HEADER_BYTES, 192);
  CHECK_EQ_INT(pas_ring_bytes(12, 4096), 192 + 12 * 4096);
  CHECK_EQ_INT(pas_ring_bytes(1, 1), 193);
  if (sizeof(size_t) >= 8) {
    CHECK_EQ_INT(pas_ring_bytes(UINT32_MAX, PAS_RING_MAX_SIZE),
                 (uint64_t)UINT32_MAX * PAS_RING_MAX_SIZE + 192);
  } else {
    CHECK_EQ_INT(pas_ring_bytes(UINT32_MAX, PAS_RING_MAX_SIZE), 0);
  }

  gring_t g;
  REQUIRE_EQ_INT(gring_new(&g, 12, 16), PAS_RING_OK);
  CHECK(header_ok(&g, 12, 16));
  CHECK(g.r.base == g.base);
  CHECK(g.r.data == g.base + PAS_RING_HEADER_BYTES);
  CHECK_EQ_INT(g.r.elementsize, 12);
  CHECK_EQ_INT(g.r.size, 16);
  CHECK_EQ_INT(g.r.mask, 15);
  /* the indices live at their layout offsets */
  CHECK_EQ_INT(hdr_u32(g.base, PAS_RING_WRITE_INDEX_OFFSET), 0);
  CHECK_EQ_INT(hdr_u32(g.base, PAS_RING_READ_INDEX_OFFSET), 0);
  uint8_t buf[12 * 5];
  fill_seq(buf, 0, 5, 12);
  CHECK_EQ_INT(pas_ring_write(&g.r, buf, 5), 5);
  CHECK_EQ_INT(hdr_u32(g.base, PAS_RING_WRITE_INDEX_OFFSET), 5);
  CHECK_EQ_INT(pas_ring_write_index(&g.r), 5);
  CHECK_EQ_INT(pas_ring_read(&g.r, buf, 3), 3);
  CHECK_EQ_INT(hdr_u32(g.base, PAS_RING_READ_INDEX_OFFSET), 3);
  CHECK_EQ_INT(pas_ring_read_index(&g.r), 3);
  /* the data starts right after the header, element 0 at slot 0 */
  CHECK_EQ_INT(check_seq(g.base + PAS_RING_HEADER_BYTES, 0, 5, 12), 5);
  /* the index helpers read and write those words */
  pas_ring_store_release(g.base, PAS_RING_READ_INDEX_OFFSET, 4);
  CHECK_EQ_INT(hdr_u32(g.base, PAS_RING_READ_INDEX_OFFSET), 4);
  CHECK_EQ_INT(pas_ring_load_acquire(g.base, PAS_RING_READ_INDEX_OFFSET), 4);
  /* the writer state: UNKNOWN in a fresh ring, then what the producer says */
  CHECK_EQ_INT(pas_ring_writer(&g.r), PAS_RING_WRITER_UNKNOWN);
  pas_ring_set_writer(&g.r, PAS_RING_WRITER_OPEN);
  CHECK_EQ_INT(hdr_u32(g.base, PAS_RING_WRITER_OFFSET), PAS_RING_WRITER_OPEN);
  pas_ring_set_writer(&g.r, PAS_RING_WRITER_ENDED);
  CHECK_EQ_INT(pas_ring_writer(&g.r), PAS_RING_WRITER_ENDED);
  CHECK(header_ok(&g, 12, 16));
  CHECK(guards_ok(&g));
  gring_free(&g);
}

TEST(init_errors) {
  size_t bytes = pas_ring_bytes(4, 64);
  uint8_t *mem = th_alloc(bytes + 64);
  pas_ring_t r;

  CHECK_EQ_INT(pas_ring_init(NULL, mem, bytes, 4, 64), PAS_RING_E_NULL);
  CHECK_EQ_INT(pas_ring_init(&r, NULL, bytes, 4, 64), PAS_RING_E_NULL);
  for (int mis = 1; mis < 8; mis++)
    CHECK_EQ_INT(pas_ring_init(&r, mem + mis, bytes, 4, 64), PAS_RING_E_ALIGNMENT);
  CHECK_EQ_INT(pas_ring_init(&r, mem + 8, bytes, 4, 64), PAS_RING_OK);

  CHECK_EQ_INT(pas_ring_init(&r, mem, bytes, 0, 64), PAS_RING_E_ELEMENTSIZE);
  CHECK_EQ_INT(pas_ring_init(&r, mem, bytes, 4, 0), PAS_RING_E_SIZE);
  CHECK_EQ_INT(pas_ring_init(&r, mem, bytes, 4, 3), PAS_RING_E_SIZE);
  CHECK_EQ_INT(pas_ring_init(&r, mem, bytes, 4, 48), PAS_RING_E_SIZE);
  CHECK_EQ_INT(pas_ring_init(&r, mem, bytes, 4, 0x80000001u), PAS_RING_E_SIZE);
  CHECK_EQ_INT(pas_ring_init(&r, mem, bytes, 4, 0xC0000000u), PAS_RING_E_SIZE);
  CHECK_EQ_INT(pas_ring_init(&r, mem, bytes, 4, UINT32_MAX), PAS_RING_E_SIZE);
  /* 2^31 is a valid size; the memory is what is too small */
  CHECK_EQ_INT(pas_ring_init(&r, mem, bytes, 4, PAS_RING_MAX_SIZE), PAS_RING_E_TOO_SMALL);

  CHECK_EQ_INT(pas_ring_init(&r, mem, bytes - 1, 4, 64), PAS_RING_E_TOO_SMALL);
  CHECK_EQ_INT(pas_ring_init(&r, mem, PAS_RING_HEADER_BYTES, 4, 64), PAS_RING_E_TOO_SMALL);
  CHECK_EQ_INT(pas_ring_init(&r, mem, 0, 4, 64), PAS_RING_E_TOO_SMALL);
  CHECK_EQ_INT(pas_ring_init(&r, mem, bytes, 4, 64), PAS_RING_OK);
  CHECK_EQ_INT(pas_ring_init(&r, mem, bytes + 64, 4, 64), PAS_RING_OK);
  CHECK_EQ_INT(pas_ring_init(&r, mem, bytes, 4, 1), PAS_RING_OK);
  CHECK_EQ_INT(pas_ring_init(&r, mem, bytes, 1, 64), PAS_RING_OK);

  /* an error leaves the memory alone */
  memset(mem, 0x77, bytes);
  CHECK_EQ_INT(pas_ring_init(&r, mem, bytes - 1, 4, 64), PAS_RING_E_TOO_SMALL);
  CHECK_EQ_INT(pas_ring_init(&r, mem, bytes, 4, 3), PAS_RING_E_SIZE);
  int untouched = 1;
  for (size_t i = 0; i < bytes; i++)
    if (mem[i] != 0x77) untouched = 0;
  CHECK(untouched);

  /* every code has its own message, and unknown codes have one too */
  const int codes[] = {PAS_RING_OK,          PAS_RING_E_NULL,  PAS_RING_E_SIZE,
                       PAS_RING_E_ELEMENTSIZE, PAS_RING_E_TOO_SMALL, PAS_RING_E_MAGIC,
                       PAS_RING_E_ALIGNMENT};
  const size_t ncodes = sizeof codes / sizeof codes[0];
  for (size_t i = 0; i < ncodes; i++) {
    const char *m = pas_ring_strerror(codes[i]);
    CHECK(m != NULL && m[0] != '\0');
    for (size_t k = 0; k < i; k++) CHECK(strcmp(m, pas_ring_strerror(codes[k])) != 0);
  }
  CHECK(pas_ring_strerror(-100) != NULL);
  CHECK(pas_ring_strerror(12345) != NULL);
  th_free(mem);
}

TEST(attach_errors) {
  gring_t g;
  REQUIRE_EQ_INT(gring_new(&g, 6, 32), PAS_RING_OK);
  pas_ring_t r;

  CHECK_EQ_INT(pas_ring_attach(NULL, g.base, g.bytes), PAS_RING_E_NULL);
  CHECK_EQ_INT(pas_ring_attach(&r, NULL, g.bytes), PAS_RING_E_NULL);
  CHECK_EQ_INT(pas_ring_attach(&r, g.base + 4, g.bytes), PAS_RING_E_ALIGNMENT);
  CHECK_EQ_INT(pas_ring_attach(&r, g.base, 0), PAS_RING_E_TOO_SMALL);
  CHECK_EQ_INT(pas_ring_attach(&r, g.base, PAS_RING_HEADER_BYTES - 1), PAS_RING_E_TOO_SMALL);
  CHECK_EQ_INT(pas_ring_attach(&r, g.base, g.bytes - 1), PAS_RING_E_TOO_SMALL);

  /* a good attach gives the same view as init */
  memset(&r, 0, sizeof r);
  CHECK_EQ_INT(pas_ring_attach(&r, g.base, g.bytes), PAS_RING_OK);
  CHECK(r.base == g.r.base && r.data == g.r.data);
  CHECK_EQ_INT(r.elementsize, 6);
  CHECK_EQ_INT(r.size, 32);
  CHECK_EQ_INT(r.mask, 31);
  /* ... and sees what the other view wrote */
  uint8_t buf[6 * 7];
  fill_seq(buf, 100, 7, 6);
  CHECK_EQ_INT(pas_ring_write(&g.r, buf, 7), 7);
  CHECK_EQ_INT(pas_ring_read_available(&r), 7);
  memset(buf, 0, sizeof buf);
  CHECK_EQ_INT(pas_ring_read(&r, buf, 7), 7);
  CHECK_EQ_INT(check_seq(buf, 100, 7, 6), 7);
  CHECK_EQ_INT(pas_ring_read_available(&g.r), 0);

  /* damaged headers */
  uint8_t saved[PAS_RING_HEADER_BYTES];
  memcpy(saved, g.base, sizeof saved);
  hdr_set_u32(g.base, PAS_RING_MAGIC_OFFSET, PAS_RING_MAGIC ^ 1u);
  CHECK_EQ_INT(pas_ring_attach(&r, g.base, g.bytes), PAS_RING_E_MAGIC);
  memcpy(g.base, saved, sizeof saved);
  hdr_set_u32(g.base, PAS_RING_VERSION_OFFSET, PAS_RING_VERSION + 1);
  CHECK_EQ_INT(pas_ring_attach(&r, g.base, g.bytes), PAS_RING_E_MAGIC);
  memcpy(g.base, saved, sizeof saved);
  hdr_set_u32(g.base, PAS_RING_SIZE_OFFSET, 24);
  CHECK_EQ_INT(pas_ring_attach(&r, g.base, g.bytes), PAS_RING_E_SIZE);
  hdr_set_u32(g.base, PAS_RING_SIZE_OFFSET, 0);
  CHECK_EQ_INT(pas_ring_attach(&r, g.base, g.bytes), PAS_RING_E_SIZE);
  hdr_set_u32(g.base, PAS_RING_SIZE_OFFSET, 64); /* bigger than the memory */
  CHECK_EQ_INT(pas_ring_attach(&r, g.base, g.bytes), PAS_RING_E_TOO_SMALL);
  memcpy(g.base, saved, sizeof saved);
  hdr_set_u32(g.base, PAS_RING_ELEMENTSIZE_OFFSET, 0);
  CHECK_EQ_INT(pas_ring_attach(&r, g.base, g.bytes), PAS_RING_E_ELEMENTSIZE);
  hdr_set_u32(g.base, PAS_RING_ELEMENTSIZE_OFFSET, 7);
  CHECK_EQ_INT(pas_ring_attach(&r, g.base, g.bytes), PAS_RING_E_TOO_SMALL);
  memcpy(g.base, saved, sizeof saved);
  CHECK_EQ_INT(pas_ring_attach(&r, g.base, g.bytes), PAS_RING_OK);

  /* never formatted: all zero */
  uint8_t *zero = th_alloc(g.bytes);
  CHECK_EQ_INT(pas_ring_attach(&r, zero, g.bytes), PAS_RING_E_MAGIC);
  th_free(zero);
  CHECK(guards_ok(&g));
  gring_free(&g);
}

TEST(empty_full_edges) {
  const uint32_t es = 12, cap = 8;
  gring_t g;
  REQUIRE_EQ_INT(gring_new(&g, es, cap), PAS_RING_OK);
  uint8_t in[12 * 20], out[12 * 20];
  void *r1, *r2;
  uint32_t n1, n2;

  CHECK_EQ_INT(pas_ring_read_available(&g.r), 0);
  CHECK_EQ_INT(pas_ring_write_available(&g.r), cap);
  memset(out, 0x33, sizeof out);
  CHECK_EQ_INT(pas_ring_read(&g.r, out, 5), 0);
  CHECK(out[0] == 0x33 && out[sizeof out - 1] == 0x33); /* untouched */
  CHECK_EQ_INT(pas_ring_get_read_regions(&g.r, 5, &r1, &n1, &r2, &n2), 0);
  CHECK_EQ_INT(n1, 0);
  CHECK_EQ_INT(n2, 0);
  CHECK_EQ_INT(pas_ring_flush(&g.r), 0);

  /* overfilling writes only what fits */
  fill_seq(in, 0, 20, es);
  CHECK_EQ_INT(pas_ring_write(&g.r, in, 20), cap);
  CHECK_EQ_INT(pas_ring_read_available(&g.r), cap);
  CHECK_EQ_INT(pas_ring_write_available(&g.r), 0);
  CHECK_EQ_INT(pas_ring_write(&g.r, in, 1), 0);
  CHECK_EQ_INT(pas_ring_get_write_regions(&g.r, 3, &r1, &n1, &r2, &n2), 0);
  CHECK_EQ_INT(n1 + n2, 0);
  CHECK(guards_ok(&g));

  /* zero-count operations are no-ops */
  CHECK_EQ_INT(pas_ring_read(&g.r, out, 0), 0);
  CHECK_EQ_INT(pas_ring_write(&g.r, in, 0), 0);
  CHECK_EQ_INT(pas_ring_read_available(&g.r), cap);

  /* reading more than available reads what there is */
  memset(out, 0, sizeof out);
  CHECK_EQ_INT(pas_ring_read(&g.r, out, 20), cap);
  CHECK_EQ_INT(check_seq(out, 0, cap, es), cap);
  CHECK(out[cap * es] == 0); /* nothing written past the elements read */
  CHECK_EQ_INT(pas_ring_read_available(&g.r), 0);
  CHECK_EQ_INT(pas_ring_write_available(&g.r), cap);

  /* flush drops everything readable */
  CHECK_EQ_INT(pas_ring_write(&g.r, in, 5), 5);
  CHECK_EQ_INT(pas_ring_flush(&g.r), 5);
  CHECK_EQ_INT(pas_ring_read_available(&g.r), 0);
  CHECK_EQ_INT(pas_ring_write_available(&g.r), cap);
  CHECK_EQ_INT(pas_ring_read_index(&g.r), 13);
  CHECK_EQ_INT(pas_ring_write_index(&g.r), 13);

  /* size 1 */
  gring_t one;
  REQUIRE_EQ_INT(gring_new(&one, 3, 1), PAS_RING_OK);
  for (uint64_t i = 0; i < 10; i++) {
    uint8_t e[3], o[3];
    fill_seq(e, i, 1, 3);
    CHECK_EQ_INT(pas_ring_write(&one.r, e, 2), 1);
    CHECK_EQ_INT(pas_ring_write_available(&one.r), 0);
    CHECK_EQ_INT(pas_ring_write(&one.r, e, 1), 0);
    CHECK_EQ_INT(pas_ring_get_read_regions(&one.r, 4, &r1, &n1, &r2, &n2), 1);
    CHECK(r1 == one.r.data && n1 == 1 && n2 == 0);
    CHECK_EQ_INT(pas_ring_read(&one.r, o, 4), 1);
    CHECK_EQ_INT(check_seq(o, i, 1, 3), 1);
  }
  CHECK(guards_ok(&one));
  CHECK(header_ok(&one, 3, 1));
  gring_free(&one);
  CHECK(guards_ok(&g));
  CHECK(header_ok(&g, es, cap));
  gring_free(&g);
}

TEST(split_regions) {
  const uint32_t es = 5, cap = 16;
  gring_t g;
  REQUIRE_EQ_INT(gring_new(&g, es, cap), PAS_RING_OK);
  uint8_t buf[5 * 16];
  void *r1, *r2;
  uint32_t n1, n2;

  /* move both indices to 12: the next 4 slots are 12..15, then 0.. */
  fill_seq(buf, 0, 12, es);
  CHECK_EQ_INT(pas_ring_write(&g.r, buf, 12), 12);
  CHECK_EQ_INT(pas_ring_read(&g.r, buf, 12), 12);

  /* write regions: 16 free, split 4 + 12 */
  CHECK_EQ_INT(pas_ring_get_write_regions(&g.r, 100, &r1, &n1, &r2, &n2), 16);
  CHECK(r1 == g.r.data + 12 * es);
  CHECK_EQ_INT(n1, 4);
  CHECK(r2 == g.r.data);
  CHECK_EQ_INT(n2, 12);
  /* exactly up to the end: one region */
  CHECK_EQ_INT(pas_ring_get_write_regions(&g.r, 4, &r1, &n1, &r2, &n2), 4);
  CHECK(r1 == g.r.data + 12 * es && n1 == 4 && n2 == 0);
  /* one past the end: split 4 + 1 */
  CHECK_EQ_INT(pas_ring_get_write_regions(&g.r, 5, &r1, &n1, &r2, &n2), 5);
  CHECK(n1 == 4 && r2 == g.r.data && n2 == 1);
  /* the regions are not a commitment: nothing moved */
  CHECK_EQ_INT(pas_ring_write_index(&g.r), 12);

  /* fill 10 elements through the regions and publish them */
  CHECK_EQ_INT(pas_ring_get_write_regions(&g.r, 10, &r1, &n1, &r2, &n2), 10);
  REQUIRE(n1 == 4 && n2 == 6);
  fill_seq(r1, 1000, n1, es);
  fill_seq(r2, 1000 + n1, n2, es);
  CHECK_EQ_INT(pas_ring_read_available(&g.r), 0); /* not published yet */
  pas_ring_advance_write(&g.r, 10);
  CHECK_EQ_INT(pas_ring_read_available(&g.r), 10);
  CHECK_EQ_INT(pas_ring_write_available(&g.r), 6);

  /* read regions mirror them */
  CHECK_EQ_INT(pas_ring_get_read_regions(&g.r, 100, &r1, &n1, &r2, &n2), 10);
  CHECK(r1 == g.r.data + 12 * es && n1 == 4 && r2 == g.r.data && n2 == 6);
  CHECK_EQ_INT(check_seq(r1, 1000, n1, es), n1);
  CHECK_EQ_INT(check_seq(r2, 1000 + n1, n2, es), n2);
  CHECK_EQ_INT(pas_ring_get_read_regions(&g.r, 3, &r1, &n1, &r2, &n2), 3);
  CHECK(n1 == 3 && n2 == 0);
  pas_ring_advance_read(&g.r, 3);
  CHECK_EQ_INT(pas_ring_get_read_regions(&g.r, 100, &r1, &n1, &r2, &n2), 7);
  CHECK(r1 == g.r.data + 15 * es && n1 == 1 && r2 == g.r.data && n2 == 6);
  CHECK_EQ_INT(check_seq(r1, 1003, 1, es), 1);
  pas_ring_advance_read(&g.r, 1);
  /* at slot 0 now: one region */
  CHECK_EQ_INT(pas_ring_get_read_regions(&g.r, 100, &r1, &n1, &r2, &n2), 6);
  CHECK(r1 == g.r.data && n1 == 6 && n2 == 0);
  CHECK_EQ_INT(check_seq(r1, 1004, 6, es), 6);

  /* pas_ring_read copies a split pair contiguously */
  pas_ring_advance_read(&g.r, 6);
  fill_seq(buf, 2000, 16, es);
  CHECK_EQ_INT(pas_ring_write(&g.r, buf, 16), 16); /* starts at slot 6 */
  uint8_t out[5 * 16];
  CHECK_EQ_INT(pas_ring_read(&g.r, out, 16), 16);
  CHECK_EQ_INT(check_seq(out, 2000, 16, es), 16);

  CHECK(guards_ok(&g));
  CHECK(header_ok(&g, es, cap));
  gring_free(&g);
}

TEST(index_wrap_past_2_32) {
  const uint32_t es = 7, cap = 16;
  gring_t g;
  REQUIRE_EQ_INT(gring_new(&g, es, cap), PAS_RING_OK);
  uint8_t buf[7 * 32];
  uint32_t starts[] = {UINT32_MAX, UINT32_MAX - 1, UINT32_MAX - 5, UINT32_MAX - 15,
                       UINT32_MAX - 16, 0x80000000u - 3, 0x7FFFFFFFu};
  for (size_t s = 0; s < sizeof starts / sizeof starts[0]; s++) {
    uint32_t start = starts[s];
    hdr_set_u32(g.base, PAS_RING_WRITE_INDEX_OFFSET, start);
    hdr_set_u32(g.base, PAS_RING_READ_INDEX_OFFSET, start);
    CHECK_EQ_INT(pas_ring_read_available(&g.r), 0);
    CHECK_EQ_INT(pas_ring_write_available(&g.r), cap);
    fill_seq(buf, s * 100, 16, es);
    CHECK_EQ_INT(pas_ring_write(&g.r, buf, 20), 16);
    CHECK_EQ_INT(pas_ring_write_index(&g.r), (uint32_t)(start + 16));
    CHECK_EQ_INT(pas_ring_read_available(&g.r), 16);
    CHECK_EQ_INT(pas_ring_write_available(&g.r), 0);
    /* regions start at start & mask */
    void *r1, *r2;
    uint32_t n1, n2;
    CHECK_EQ_INT(pas_ring_get_read_regions(&g.r, 16, &r1, &n1, &r2, &n2), 16);
    CHECK(r1 == g.r.data + (size_t)(start & 15) * es);
    CHECK_EQ_INT(n1, 16 - (start & 15));
    CHECK_EQ_INT(n2, start & 15);
    memset(buf, 0, sizeof buf);
    CHECK_EQ_INT(pas_ring_read(&g.r, buf, 9), 9);
    CHECK_EQ_INT(check_seq(buf, s * 100, 9, es), 9);
    CHECK_EQ_INT(pas_ring_read_available(&g.r), 7);
    CHECK_EQ_INT(pas_ring_write_available(&g.r), 9);
    fill_seq(buf, s * 100 + 16, 9, es);
    CHECK_EQ_INT(pas_ring_write(&g.r, buf, 9), 9);
    CHECK_EQ_INT(pas_ring_read(&g.r, buf, 32), 16);
    CHECK_EQ_INT(check_seq(buf, s * 100 + 9, 16, es), 16);
    CHECK_EQ_INT(pas_ring_read_index(&g.r), (uint32_t)(start + 25));
    CHECK_EQ_INT(pas_ring_read_available(&g.r), 0);
    CHECK_EQ_INT(pas_ring_flush(&g.r), 0);
  }
  CHECK(guards_ok(&g));
  CHECK(header_ok(&g, es, cap));
  gring_free(&g);
}

TEST(set_read_index_replays) {
  const uint32_t es = 4, cap = 8;
  gring_t g;
  REQUIRE_EQ_INT(gring_new(&g, es, cap), PAS_RING_OK);
  hdr_set_u32(g.base, PAS_RING_WRITE_INDEX_OFFSET, UINT32_MAX - 2);
  hdr_set_u32(g.base, PAS_RING_READ_INDEX_OFFSET, UINT32_MAX - 2);
  uint32_t start = pas_ring_read_index(&g.r);
  uint8_t buf[4 * 8];
  fill_seq(buf, 7, 6, es);
  CHECK_EQ_INT(pas_ring_write(&g.r, buf, 6), 6);
  for (int pass = 0; pass < 3; pass++) {
    memset(buf, 0, sizeof buf);
    CHECK_EQ_INT(pas_ring_read(&g.r, buf, 8), 6);
    CHECK_EQ_INT(check_seq(buf, 7, 6, es), 6);
    CHECK_EQ_INT(pas_ring_read_available(&g.r), 0);
    pas_ring_set_read_index(&g.r, start);
    CHECK_EQ_INT(pas_ring_read_index(&g.r), start);
    CHECK_EQ_INT(pas_ring_read_available(&g.r), 6);
    CHECK_EQ_INT(pas_ring_write_available(&g.r), 2);
  }
  CHECK(guards_ok(&g));
  gring_free(&g);
}

/* A model-checked random walk over one ring shape: every operation's count
 * is compared with a model, every element read is checked, and the guards
 * and header are checked after each step. */
static void random_walk(uint64_t seed, uint32_t es, uint32_t cap, uint32_t start, int steps) {
  gring_t g;
  if (gring_new(&g, es, cap) != PAS_RING_OK) {
    CHECK_MSG(0, "gring_new(es=%u, cap=%u) failed", es, cap);
    return;
  }
  hdr_set_u32(g.base, PAS_RING_WRITE_INDEX_OFFSET, start);
  hdr_set_u32(g.base, PAS_RING_READ_INDEX_OFFSET, start);
  th_rng_t rng;
  th_rng_seed(&rng, seed);
  uint64_t wseq = 0, rseq = 0; /* next element number to write / read */
  size_t scratch_elems = (size_t)cap * 2 + 4;
  uint8_t *scratch = th_alloc(scratch_elems * es);
  for (int step = 0; step < steps && !TH_FAILED(); step++) {
    uint32_t filled = (uint32_t)(wseq - rseq);
    CHECK_EQ_INT(pas_ring_read_available(&g.r), filled);
    CHECK_EQ_INT(pas_ring_write_available(&g.r), cap - filled);
    CHECK_EQ_INT(pas_ring_write_index(&g.r), (uint32_t)(start + wseq));
    CHECK_EQ_INT(pas_ring_read_index(&g.r), (uint32_t)(start + rseq));
    uint32_t want = th_rng_range(&rng, 0, cap + cap / 2 + 1);
    uint32_t op = th_rng_range(&rng, 0, 9);
    void *r1, *r2;
    uint32_t n1, n2;
    if (op < 3) { /* plain write */
      uint32_t expect = want < cap - filled ? want : cap - filled;
      fill_seq(scratch, wseq, want, es);
      CHECK_EQ_INT(pas_ring_write(&g.r, scratch, want), expect);
      wseq += expect;
    } else if (op < 5) { /* write through regions, maybe advancing less */
      uint32_t expect = want < cap - filled ? want : cap - filled;
      uint32_t n = pas_ring_get_write_regions(&g.r, want, &r1, &n1, &r2, &n2);
      CHECK_EQ_INT(n, expect);
      CHECK_EQ_INT(n1 + n2, n);
      uint32_t pos = (uint32_t)(start + wseq) & (cap - 1);
      if (n > 0) CHECK(r1 == g.r.data + (size_t)pos * es);
      CHECK_EQ_INT(n1, n < cap - pos ? n : cap - pos);
      if (n2) CHECK(r2 == g.r.data);
      uint32_t commit = n ? th_rng_range(&rng, 0, n) : 0;
      uint32_t c1 = commit < n1 ? commit : n1;
      fill_seq(r1, wseq, c1, es);
      if (commit > n1) fill_seq(r2, wseq + n1, commit - n1, es);
      pas_ring_advance_write(&g.r, commit);
      wseq += commit;
    } else if (op < 7) { /* plain read */
      uint32_t expect = want < filled ? want : filled;
      memset(scratch, 0, (size_t)want * es);
      CHECK_EQ_INT(pas_ring_read(&g.r, scratch, want), expect);
      CHECK_EQ_INT(check_seq(scratch, rseq, expect, es), expect);
      rseq += expect;
    } else if (op < 9) { /* read through regions, maybe advancing less */
      uint32_t expect = want < filled ? want : filled;
      uint32_t n = pas_ring_get_read_regions(&g.r, want, &r1, &n1, &r2, &n2);
      CHECK_EQ_INT(n, expect);
      CHECK_EQ_INT(n1 + n2, n);
      uint32_t pos = (uint32_t)(start + rseq) & (cap - 1);
      if (n > 0) CHECK(r1 == g.r.data + (size_t)pos * es);
      CHECK_EQ_INT(n1, n < cap - pos ? n : cap - pos);
      if (n1) CHECK_EQ_INT(check_seq(r1, rseq, n1, es), n1);
      if (n2) CHECK_EQ_INT(check_seq(r2, rseq + n1, n2, es), n2);
      uint32_t commit = n ? th_rng_range(&rng, 0, n) : 0;
      pas_ring_advance_read(&g.r, commit);
      rseq += commit;
    } else { /* flush, rarely */
      if (th_rng_range(&rng, 0, 3) == 0) {
        CHECK_EQ_INT(pas_ring_flush(&g.r), filled);
        rseq = wseq;
      }
    }
    CHECK(guards_ok(&g));
    CHECK(header_ok(&g, es, cap));
  }
  th_free(scratch);
  gring_free(&g);
}

TEST(random_single_thread) {
  th_rng_t rng;
  th_rng_seed(&rng, 20240601);
  for (int shape = 0; shape < 60 && !TH_FAILED(); shape++) {
    uint32_t es = th_rng_range(&rng, 1, 40);
    uint32_t cap = 1u << th_rng_range(&rng, 0, 10);
    uint32_t start;
    switch (shape % 4) {
      case 0: start = 0; break;
      case 1: start = UINT32_MAX - th_rng_range(&rng, 0, 2 * cap); break;
      case 2: start = 0x80000000u - th_rng_range(&rng, 0, 2 * cap); break;
      default: start = (uint32_t)th_rng_next(&rng); break;
    }
    uint64_t seed = th_rng_next(&rng);
    random_walk(seed, es, cap, start, 400);
    if (TH_FAILED())
      fprintf(stderr, "  (shape %d: es=%u cap=%u start=%u seed=%llu)\n", shape, es, cap, start,
              (unsigned long long)seed);
  }
}

int main(int argc, char **argv) {
  static const th_test_t tests[] = {
      TEST_ENTRY(bytes_and_layout),
      TEST_ENTRY(init_errors),
      TEST_ENTRY(attach_errors),
      TEST_ENTRY(empty_full_edges),
      TEST_ENTRY(split_regions),
      TEST_ENTRY(index_wrap_past_2_32),
      TEST_ENTRY(set_read_index_replays),
      TEST_ENTRY(random_single_thread),
  };
  return th_run(tests, sizeof tests / sizeof tests[0], argc, argv);
}
