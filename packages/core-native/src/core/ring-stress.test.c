/*
 * Two-thread stress tests of the SPSC ring (src/core/ring.c): a producer
 * and a consumer move >= 100 MB through a small ring (and many bytes
 * through tiny rings) and check every byte. The shared helpers are in
 * ring-fixture.h.
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

/* ---- two threads ---- */

typedef struct stress {
  pas_ring_t prod; /* the producer's own view */
  pas_ring_t cons; /* the consumer's own view (attached) */
  uint64_t elements;
  uint64_t seed;
  uint32_t max_chunk;
  _Atomic int failed;
  uint64_t first_bad; /* element number of the first mismatch */
  uint64_t spins;
} stress_t;

static void *stress_producer(void *arg) {
  stress_t *s = arg;
  const uint32_t es = s->prod.elementsize;
  th_rng_t rng;
  th_rng_seed(&rng, s->seed);
  uint8_t *scratch = malloc((size_t)s->max_chunk * es);
  if (scratch == NULL) abort();
  uint64_t n = 0;
  while (n < s->elements && !atomic_load(&s->failed)) {
    uint64_t left = s->elements - n;
    uint32_t want = th_rng_range(&rng, 1, s->max_chunk);
    if (want > left) want = (uint32_t)left;
    uint32_t avail = pas_ring_write_available(&s->prod);
    if (avail > s->prod.size) atomic_store(&s->failed, 2);
    if (avail == 0) {
      sched_yield();
      continue;
    }
    if (rng.s & 1) {
      uint32_t take = want < avail ? want : avail;
      fill_seq(scratch, n, take, es);
      uint32_t done = pas_ring_write(&s->prod, scratch, take);
      if (done != take) atomic_store(&s->failed, 3); /* space can only grow */
      n += done;
    } else {
      void *r1, *r2;
      uint32_t n1, n2;
      uint32_t got = pas_ring_get_write_regions(&s->prod, want, &r1, &n1, &r2, &n2);
      fill_seq(r1, n, n1, es);
      if (n2) fill_seq(r2, n + n1, n2, es);
      pas_ring_advance_write(&s->prod, got);
      n += got;
    }
  }
  free(scratch);
  return NULL;
}

static void *stress_consumer(void *arg) {
  stress_t *s = arg;
  const uint32_t es = s->cons.elementsize;
  th_rng_t rng;
  th_rng_seed(&rng, s->seed ^ 0xABCDEF);
  uint8_t *scratch = malloc((size_t)s->max_chunk * es);
  if (scratch == NULL) abort();
  uint64_t n = 0;
  while (n < s->elements && !atomic_load(&s->failed)) {
    uint32_t want = th_rng_range(&rng, 1, s->max_chunk);
    uint32_t avail = pas_ring_read_available(&s->cons);
    if (avail > s->cons.size || n + avail > s->elements) {
      atomic_store(&s->failed, 4);
      break;
    }
    if (avail == 0) {
      s->spins++;
      sched_yield();
      continue;
    }
    uint32_t bad;
    if (rng.s & 1) {
      uint32_t take = want < avail ? want : avail;
      uint32_t done = pas_ring_read(&s->cons, scratch, take);
      if (done != take) atomic_store(&s->failed, 5); /* data can only grow */
      bad = check_seq(scratch, n, done, es);
      if (bad != done) {
        s->first_bad = n + bad;
        atomic_store(&s->failed, 1);
      }
      n += done;
    } else {
      void *r1, *r2;
      uint32_t n1, n2;
      uint32_t got = pas_ring_get_read_regions(&s->cons, want, &r1, &n1, &r2, &n2);
      bad = check_seq(r1, n, n1, es);
      if (bad == n1 && n2) bad = n1 + check_seq(r2, n + n1, n2, es);
      if (bad != got) {
        s->first_bad = n + bad;
        atomic_store(&s->failed, 1);
      }
      pas_ring_advance_read(&s->cons, got);
      n += got;
    }
  }
  free(scratch);
  return NULL;
}

static void run_stress(uint32_t es, uint32_t cap, uint64_t bytes, uint32_t max_chunk,
                       uint32_t start, uint64_t seed) {
  gring_t g;
  REQUIRE_EQ_INT(gring_new(&g, es, cap), PAS_RING_OK);
  hdr_set_u32(g.base, PAS_RING_WRITE_INDEX_OFFSET, start);
  hdr_set_u32(g.base, PAS_RING_READ_INDEX_OFFSET, start);
  stress_t *s = calloc(1, sizeof *s);
  REQUIRE(s != NULL);
  s->prod = g.r;
  REQUIRE_EQ_INT(pas_ring_attach(&s->cons, g.base, g.bytes), PAS_RING_OK);
  s->elements = (bytes + es - 1) / es;
  s->seed = seed;
  s->max_chunk = max_chunk;
  pthread_t tp, tc;
  REQUIRE(pthread_create(&tc, NULL, stress_consumer, s) == 0);
  REQUIRE(pthread_create(&tp, NULL, stress_producer, s) == 0);
  pthread_join(tp, NULL);
  pthread_join(tc, NULL);
  int failed = atomic_load(&s->failed);
  CHECK_MSG(failed == 0, "stress es=%u cap=%u: failure kind %d, first bad element %llu", es,
            cap, failed, (unsigned long long)s->first_bad);
  CHECK_EQ_INT(pas_ring_read_available(&g.r), 0);
  CHECK_EQ_INT(pas_ring_write_index(&g.r), (uint32_t)(start + s->elements));
  CHECK_EQ_INT(pas_ring_read_index(&g.r), (uint32_t)(start + s->elements));
  CHECK(guards_ok(&g));
  CHECK(header_ok(&g, es, cap));
  free(s);
  gring_free(&g);
}

/* >= 100 MB through a 48 KB ring, odd elementsize, random chunks, indices
 * crossing 2^32 early on. */
TEST(stress_two_threads_100MB) {
  run_stress(12, 4096, 100ull * 1024 * 1024, 3000, UINT32_MAX - 1000, 12345);
}

/* Tiny rings keep both threads on the full/empty edges all the time. */
TEST(stress_two_threads_tiny_rings) {
  run_stress(3, 1, 300000, 4, UINT32_MAX - 7, 777);
  run_stress(13, 4, 2000000, 7, 0x7FFFFFF0u, 778);
}

int main(int argc, char **argv) {
  static const th_test_t tests[] = {
      TEST_ENTRY(stress_two_threads_100MB),
      TEST_ENTRY(stress_two_threads_tiny_rings),
  };
  return th_run(tests, sizeof tests / sizeof tests[0], argc, argv);
}
