/*
 * A tiny test harness for the C core's unit tests (plain C11, no deps).
 *
 *   TEST(name) { CHECK(x == 1); CHECK_EQ_INT(a, b); ... }
 *   int main(void) {
 *     static const th_test_t tests[] = { TEST_ENTRY(name), ... };
 *     return th_run(tests, sizeof tests / sizeof tests[0], argc, argv);
 *   }
 *
 * A failing CHECK prints "FAIL <test>: <file>:<line>: <expression>" and
 * marks the test failed; the test goes on (so one run shows every broken
 * check) unless REQUIRE is used, which returns from the test function.
 * Each test's failures are capped at TH_MAX_REPORTS printed lines.
 * th_run prints "PASS name" / "FAIL name" per test, then exactly
 * "<n> passed, <m> failed" and returns non-zero when m > 0. Given command
 * line arguments, only tests whose names contain one of them run.
 */
#ifndef PASTREAM_TEST_HARNESS_H
#define PASTREAM_TEST_HARNESS_H

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _WIN32
#include <malloc.h> /* _aligned_malloc */
#endif

#define TH_MAX_REPORTS 20

typedef struct th_test {
  const char *name;
  void (*fn)(void);
} th_test_t;

static const char *th_current = "?";
static int th_failures;  /* failed checks in the current test */

static inline void th_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static inline void th_fail(const char *file, int line, const char *fmt, ...) {
  th_failures++;
  if (th_failures > TH_MAX_REPORTS) return;
  fprintf(stderr, "FAIL %s: %s:%d: ", th_current, file, line);
  va_list ap;
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  if (th_failures == TH_MAX_REPORTS)
    fprintf(stderr, "FAIL %s: (further failures of this test not printed)\n", th_current);
}

#define TEST(name) static void test_##name(void)
#define TEST_ENTRY(name) {#name, test_##name}

#define CHECK(expr)                                                  \
  do {                                                               \
    if (!(expr)) th_fail(__FILE__, __LINE__, "CHECK(%s)", #expr);    \
  } while (0)

#define CHECK_MSG(expr, ...)                                         \
  do {                                                               \
    if (!(expr)) th_fail(__FILE__, __LINE__, __VA_ARGS__);           \
  } while (0)

/* Stops the current test on failure (for preconditions). */
#define REQUIRE(expr)                                                \
  do {                                                               \
    if (!(expr)) {                                                   \
      th_fail(__FILE__, __LINE__, "REQUIRE(%s)", #expr);             \
      return;                                                        \
    }                                                                \
  } while (0)

#define CHECK_EQ_INT(a, b)                                                        \
  do {                                                                            \
    long long th_a_ = (long long)(a), th_b_ = (long long)(b);                     \
    if (th_a_ != th_b_)                                                           \
      th_fail(__FILE__, __LINE__, "CHECK_EQ_INT(%s, %s): %lld != %lld", #a, #b,   \
              th_a_, th_b_);                                                      \
  } while (0)

#define CHECK_EQ_DBL(a, b)                                                        \
  do {                                                                            \
    double th_a_ = (double)(a), th_b_ = (double)(b);                              \
    if (!(th_a_ == th_b_))                                                        \
      th_fail(__FILE__, __LINE__, "CHECK_EQ_DBL(%s, %s): %.17g != %.17g", #a, #b, \
              th_a_, th_b_);                                                      \
  } while (0)

#define REQUIRE_EQ_INT(a, b)                                                      \
  do {                                                                            \
    long long th_a_ = (long long)(a), th_b_ = (long long)(b);                     \
    if (th_a_ != th_b_) {                                                         \
      th_fail(__FILE__, __LINE__, "REQUIRE_EQ_INT(%s, %s): %lld != %lld", #a, #b, \
              th_a_, th_b_);                                                      \
      return;                                                                     \
    }                                                                             \
  } while (0)

/* Failures so far in the current test (to stop a long loop early). */
#define TH_FAILED() (th_failures > 0)

static inline int th_selected(const char *name, int argc, char **argv) {
  if (argc <= 1) return 1;
  for (int i = 1; i < argc; i++)
    if (strstr(name, argv[i]) != NULL) return 1;
  return 0;
}

static inline int th_run(const th_test_t *tests, size_t count, int argc, char **argv) {
  int passed = 0, failed = 0;
  setvbuf(stdout, NULL, _IOLBF, 0);
  for (size_t i = 0; i < count; i++) {
    if (!th_selected(tests[i].name, argc, argv)) continue;
    th_current = tests[i].name;
    th_failures = 0;
    tests[i].fn();
    fflush(stderr);
    if (th_failures == 0) {
      passed++;
      printf("PASS %s\n", tests[i].name);
    } else {
      failed++;
      printf("FAIL %s (%d failed checks)\n", tests[i].name, th_failures);
    }
  }
  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}

/* Deterministic PRNG for seeded tests (xorshift64*). */
typedef struct th_rng {
  uint64_t s;
} th_rng_t;

static inline void th_rng_seed(th_rng_t *r, uint64_t seed) {
  r->s = seed ? seed : 0x9E3779B97F4A7C15ull;
}

static inline uint64_t th_rng_next(th_rng_t *r) {
  uint64_t x = r->s;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  r->s = x;
  return x * 0x2545F4914F6CDD1Dull;
}

/* Uniform-ish in [lo, hi] (inclusive). */
static inline uint32_t th_rng_range(th_rng_t *r, uint32_t lo, uint32_t hi) {
  return lo + (uint32_t)(th_rng_next(r) % ((uint64_t)hi - lo + 1));
}

/* Mixes an index into 64 well-spread bits (splitmix64 finalizer). */
static inline uint64_t th_mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

/* Allocation that never fails silently, aligned to 64 bytes; th_free
 * releases it. Windows' C runtime has no aligned_alloc: its aligned blocks
 * come from _aligned_malloc and go back with _aligned_free, not free. */
static inline void *th_alloc(size_t bytes) {
  size_t rounded = (bytes + 63) & ~(size_t)63;
  if (rounded == 0) rounded = 64;
#ifdef _WIN32
  void *p = _aligned_malloc(rounded, 64);
#else
  void *p = aligned_alloc(64, rounded);
#endif
  if (p == NULL) {
    fprintf(stderr, "out of memory (%zu bytes)\n", bytes);
    exit(2);
  }
  memset(p, 0, rounded);
  return p;
}

static inline void th_free(void *p) {
#ifdef _WIN32
  _aligned_free(p);
#else
  free(p);
#endif
}

#endif
