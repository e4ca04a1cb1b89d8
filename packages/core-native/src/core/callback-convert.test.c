/*
 * Unit tests of the callback engine (src/core/callback.c): sample
 * conversion through the engine (every int8/uint8/int16 value, int24
 * strided and extremes, int32 with 24 significant bits, clamping) both
 * ways. The fixture (fx_call and its checks) is in callback-fixture.h.
 *
 * Run with test names (substrings) as arguments to run only those.
 */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pastream/callback.h"
#include "pastream/layout.h"
#include "pastream/ring.h"
#include "test-harness.h"
#include "callback-fixture.h"

/* ---- sample conversion ---- */

/* Plays count mono samples of fmt through an output engine (fmt -> float32),
 * checks each float against want_float (if given), then records those floats
 * through an input engine (float32 -> fmt) into back. */
static void convert_both_ways(int fmt, const uint8_t *values, uint32_t count,
                              const float *want_float, float *floats, uint8_t *back) {
  uint32_t ss = fsize(fmt);
  uint32_t cap = 1;
  while (cap < count) cap <<= 1;
  fx_t a, b;
  pas_engine_config_t c = mkcfg(0, 1, fmt, PAS_FORMAT_FLOAT32, count, 0);
  REQUIRE_EQ_INT(fx_setup(&a, &c, cap, 0), PAS_ENGINE_OK);
  CHECK_EQ_INT(pas_ring_write(&a.tx, values, count), count);
  pas_engine_start(&a.e);
  c = mkcfg(1, 0, fmt, PAS_FORMAT_FLOAT32, count, 0);
  REQUIRE_EQ_INT(fx_setup(&b, &c, 0, cap), PAS_ENGINE_OK);
  pas_engine_start(&b.e);
  const uint32_t block = 4096;
  for (uint32_t done = 0; done < count;) {
    uint32_t n = count - done < block ? count - done : block;
    int rc = fx_call(&a, n);
    CHECK_EQ_INT(rc, done + n == count ? PAS_COMPLETE : PAS_CONTINUE);
    memcpy(floats + done, a.out, (size_t)n * 4);
    rc = fx_call_in(&b, floats + done, n, 0, __LINE__);
    CHECK_EQ_INT(rc, done + n == count ? PAS_COMPLETE : PAS_CONTINUE);
    done += n;
  }
  if (want_float) {
    uint32_t bad = 0;
    for (uint32_t i = 0; i < count; i++) {
      if (memcmp(&floats[i], &want_float[i], 4) != 0) {
        if (bad++ < 5)
          th_fail(__FILE__, __LINE__, "fmt %d sample %u: float %.9g, expected %.9g", fmt, i,
                  floats[i], want_float[i]);
      }
    }
  }
  CHECK_EQ_INT(pas_ring_read(&b.rx, back, count), count);
  (void)ss;
  fx_free(&a);
  fx_free(&b);
}

static void roundtrip_exact(int fmt, const uint8_t *values, uint32_t count, const float *want) {
  uint32_t ss = fsize(fmt);
  float *floats = malloc((size_t)count * 4);
  uint8_t *back = malloc((size_t)count * ss);
  if (!floats || !back) exit(2);
  convert_both_ways(fmt, values, count, want, floats, back);
  uint32_t bad = 0;
  for (uint32_t i = 0; i < count; i++) {
    if (memcmp(values + (size_t)i * ss, back + (size_t)i * ss, ss) != 0) {
      if (bad++ < 5) {
        uint32_t v = 0, w = 0;
        memcpy(&v, values + (size_t)i * ss, ss);
        memcpy(&w, back + (size_t)i * ss, ss);
        th_fail(__FILE__, __LINE__, "fmt %d sample %u: 0x%x came back as 0x%x (via %.9g)", fmt,
                i, v, w, floats[i]);
      }
    }
  }
  free(floats);
  free(back);
}

TEST(convert_int8_all_values) {
  uint8_t v[256];
  float want[256];
  for (int i = 0; i < 256; i++) {
    int8_t x = (int8_t)(i - 128);
    memcpy(&v[i], &x, 1);
    want[i] = (float)x / 128.0f;
  }
  roundtrip_exact(PAS_FORMAT_INT8, v, 256, want);
  CHECK(want[0] == -1.0f);
}

TEST(convert_uint8_all_values) {
  uint8_t v[256];
  float want[256];
  for (int i = 0; i < 256; i++) {
    v[i] = (uint8_t)i;
    want[i] = (float)(i - 128) / 128.0f;
  }
  roundtrip_exact(PAS_FORMAT_UINT8, v, 256, want);
}

TEST(convert_int16_all_values) {
  const uint32_t n = 65536;
  int16_t *v = malloc(n * 2);
  float *want = malloc(n * 4);
  REQUIRE(v && want);
  for (uint32_t i = 0; i < n; i++) {
    v[i] = (int16_t)((int32_t)i - 32768);
    want[i] = (float)v[i] / 32768.0f;
  }
  roundtrip_exact(PAS_FORMAT_INT16, (const uint8_t *)v, n, want);
  free(v);
  free(want);
}

/* int16 through channel maps (the engine's int16 <-> float32 loops): a
 * stereo ring to three device channels {2, silence, 1}, and three device
 * channels back into a stereo ring {3, 1}; every sample where the maps put
 * it, zeros in the silent channel. */
TEST(convert_int16_through_maps) {
  enum { N = 300 };
  int16_t stereo[N * 2];
  for (int i = 0; i < N; i++) {
    stereo[2 * i] = (int16_t)(i * 97 - 14000);
    stereo[2 * i + 1] = (int16_t)(-i * 89 + 13000);
  }
  fx_t a;
  pas_engine_config_t c = mkcfg(0, 3, PAS_FORMAT_INT16, PAS_FORMAT_FLOAT32, N, 0);
  c.tx_channels = 2;
  c.txmapping[0] = 2;
  c.txmapping[1] = 0;
  c.txmapping[2] = 1;
  REQUIRE_EQ_INT(fx_setup(&a, &c, 512, 0), PAS_ENGINE_OK);
  CHECK_EQ_INT(pas_ring_write(&a.tx, stereo, N), N);
  pas_engine_start(&a.e);
  CHECK_EQ_INT(fx_call(&a, N), PAS_COMPLETE);
  float device[N * 3];
  memcpy(device, a.out, sizeof device);
  for (int i = 0; i < N && !TH_FAILED(); i++) {
    CHECK(device[3 * i] == (float)stereo[2 * i + 1] / 32768.0f);
    CHECK(device[3 * i + 1] == 0.0f);
    CHECK(device[3 * i + 2] == (float)stereo[2 * i] / 32768.0f);
  }
  fx_free(&a);

  fx_t b;
  c = mkcfg(3, 0, PAS_FORMAT_INT16, PAS_FORMAT_FLOAT32, N, 0);
  c.rx_channels = 2;
  c.rxmapping[0] = 3;
  c.rxmapping[1] = 1;
  REQUIRE_EQ_INT(fx_setup(&b, &c, 0, 512), PAS_ENGINE_OK);
  pas_engine_start(&b.e);
  CHECK_EQ_INT(fx_call_in(&b, device, N, 0, __LINE__), PAS_COMPLETE);
  int16_t back[N * 2];
  CHECK_EQ_INT(pas_ring_read(&b.rx, back, N), N);
  for (int i = 0; i < N && !TH_FAILED(); i++) {
    CHECK_EQ_INT(back[2 * i], stereo[2 * i]);         /* device 3 = ring 1 */
    CHECK_EQ_INT(back[2 * i + 1], stereo[2 * i + 1]); /* device 1 = ring 2 */
  }
  fx_free(&b);
}

TEST(convert_int24_strided_and_extremes) {
  const int32_t extremes[] = {-8388608, -8388607, -8388606, -4194304, -65536, -257, -256, -255,
                              -2, -1, 0, 1, 2, 255, 256, 257, 65535, 4194304, 8388606, 8388607};
  const uint32_t ne = sizeof extremes / sizeof extremes[0];
  const uint32_t stride = 251; /* prime: hits every low-byte value */
  uint32_t n = ne + (16777216u + stride - 1) / stride;
  uint8_t *v = malloc((size_t)n * 3);
  float *want = malloc((size_t)n * 4);
  REQUIRE(v && want);
  uint32_t k = 0;
  for (uint32_t i = 0; i < ne; i++) {
    wr_i24(v + 3 * k, extremes[i]);
    want[k++] = (float)extremes[i] / 8388608.0f;
  }
  for (int64_t x = -8388608; x <= 8388607 && k < n; x += stride) {
    wr_i24(v + 3 * k, (int32_t)x);
    want[k++] = (float)x / 8388608.0f;
  }
  roundtrip_exact(PAS_FORMAT_INT24, v, k, want);
  free(v);
  free(want);
}

TEST(convert_int32_24_significant_bits) {
  th_rng_t rng;
  th_rng_seed(&rng, 2424);
  const uint32_t n = 50000;
  int32_t *v = malloc((size_t)n * 4);
  float *want = malloc((size_t)n * 4);
  REQUIRE(v && want);
  const int32_t fixed[] = {INT32_MIN, INT32_MIN + 256, -256, -1, 0, 1, 255, 256,
                           0x7FFFFF80, 0x7FFFFF00, 0x40000000, -0x40000000, 0x00FFFFFF,
                           -0x01000000};
  uint32_t k = 0;
  for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) v[k++] = fixed[i];
  while (k < n) {
    /* m has at most 24 significant bits; shifted left by 0..8 it still does */
    int64_t m = (int64_t)th_rng_range(&rng, 0, 0xFFFFFF) - 0x800000;
    uint32_t sh = th_rng_range(&rng, 0, 8);
    v[k++] = (int32_t)(m * ((int64_t)1 << sh));
  }
  for (uint32_t i = 0; i < n; i++) want[i] = (float)v[i] / 2147483648.0f; /* exact here */
  roundtrip_exact(PAS_FORMAT_INT32, (const uint8_t *)v, n, want);

  /* more than 24 significant bits: back within half a float step */
  for (uint32_t i = 0; i < n; i++) v[i] = (int32_t)(uint32_t)th_rng_next(&rng);
  v[0] = INT32_MAX; /* rounds up to 1.0f, clamps back to INT32_MAX */
  v[1] = 0x12345678;
  float *floats = malloc((size_t)n * 4);
  int32_t *back = malloc((size_t)n * 4);
  REQUIRE(floats && back);
  convert_both_ways(PAS_FORMAT_INT32, (const uint8_t *)v, n, NULL, floats, (uint8_t *)back);
  uint32_t bad = 0;
  for (uint32_t i = 0; i < n; i++) {
    int64_t err = (int64_t)back[i] - v[i];
    if (err < 0) err = -err;
    if (err > 64 && bad++ < 5)
      th_fail(__FILE__, __LINE__, "int32 %d came back as %d", v[i], back[i]);
  }
  CHECK_EQ_INT(back[0], INT32_MAX);
  CHECK_EQ_INT(back[1], 0x12345680); /* float step in [2^28, 2^29) is 2^(28-23) = 32 */
  free(floats);
  free(back);
  free(v);
  free(want);
}

/* Out-of-range floats into each integer format: clamped, never wrapped;
 * NaN gives some in-range value without crashing (or UB under UBSan). */
TEST(convert_clamping) {
  const float in[] = {1.5f, -1.5f, 1.0f, -1.0f, INFINITY, -INFINITY, NAN, 1e30f, -1e30f,
                      0.999999f, -0.999999f};
  const uint32_t n = sizeof in / sizeof in[0];
  struct {
    int fmt;
    int64_t hi, lo;
  } fmts[] = {{PAS_FORMAT_INT16, 32767, -32768},
              {PAS_FORMAT_INT8, 127, -128},
              {PAS_FORMAT_INT24, 8388607, -8388608},
              {PAS_FORMAT_INT32, INT32_MAX, INT32_MIN},
              {PAS_FORMAT_UINT8, 255, 0}};
  for (size_t fi = 0; fi < sizeof fmts / sizeof fmts[0]; fi++) {
    int fmt = fmts[fi].fmt;
    fx_t f;
    pas_engine_config_t c = mkcfg(1, 0, fmt, PAS_FORMAT_FLOAT32, -1, -1);
    REQUIRE_EQ_INT(fx_setup(&f, &c, 0, 64), PAS_ENGINE_OK);
    pas_engine_start(&f.e);
    CHECK_EQ_INT(fx_call_in(&f, in, n, 0, __LINE__), PAS_CONTINUE);
    uint8_t rec[64 * 4];
    REQUIRE_EQ_INT(pas_ring_read(&f.rx, rec, n), n);
    int64_t got[16];
    for (uint32_t i = 0; i < n; i++) {
      const uint8_t *p = rec + (size_t)i * fsize(fmt);
      switch (fmt) {
        case PAS_FORMAT_INT16: {
          int16_t x;
          memcpy(&x, p, 2);
          got[i] = x;
          break;
        }
        case PAS_FORMAT_INT8: got[i] = (int8_t)p[0]; break;
        case PAS_FORMAT_INT24: got[i] = rd_i24(p); break;
        case PAS_FORMAT_INT32: {
          int32_t x;
          memcpy(&x, p, 4);
          got[i] = x;
          break;
        }
        default: got[i] = p[0]; break;
      }
    }
    int64_t hi = fmts[fi].hi, lo = fmts[fi].lo;
    CHECK_MSG(got[0] == hi, "fmt %d: 1.5 -> %lld", fmt, (long long)got[0]);
    CHECK_MSG(got[1] == lo, "fmt %d: -1.5 -> %lld", fmt, (long long)got[1]);
    CHECK_MSG(got[2] == hi, "fmt %d: 1.0 -> %lld", fmt, (long long)got[2]);
    CHECK_MSG(got[3] == lo, "fmt %d: -1.0 -> %lld", fmt, (long long)got[3]);
    CHECK_MSG(got[4] == hi, "fmt %d: +inf -> %lld", fmt, (long long)got[4]);
    CHECK_MSG(got[5] == lo, "fmt %d: -inf -> %lld", fmt, (long long)got[5]);
    CHECK_MSG(got[6] >= lo && got[6] <= hi, "fmt %d: NaN -> %lld", fmt, (long long)got[6]);
    CHECK_MSG(got[7] == hi, "fmt %d: 1e30 -> %lld", fmt, (long long)got[7]);
    CHECK_MSG(got[8] == lo, "fmt %d: -1e30 -> %lld", fmt, (long long)got[8]);
    CHECK_MSG(got[9] <= hi && got[9] > (hi + lo) / 2, "fmt %d: 0.999999 -> %lld", fmt,
              (long long)got[9]);
    CHECK_MSG(got[10] >= lo && got[10] < (hi + lo) / 2, "fmt %d: -0.999999 -> %lld", fmt,
              (long long)got[10]);
    fx_free(&f);
  }

  /* rounding to nearest, symmetric around zero (int16) */
  const float r[] = {1.4f / 32768, 1.6f / 32768, -1.4f / 32768, -1.6f / 32768, 0.4f / 32768,
                     -0.4f / 32768, 32766.6f / 32768, -32767.6f / 32768};
  const int16_t want[] = {1, 2, -1, -2, 0, 0, 32767, -32768};
  fx_t f;
  pas_engine_config_t c = mkcfg(1, 0, PAS_FORMAT_INT16, PAS_FORMAT_FLOAT32, -1, -1);
  REQUIRE_EQ_INT(fx_setup(&f, &c, 0, 64), PAS_ENGINE_OK);
  pas_engine_start(&f.e);
  CHECK_EQ_INT(fx_call_in(&f, r, 8, 0, __LINE__), PAS_CONTINUE);
  int16_t got16[8];
  REQUIRE_EQ_INT(pas_ring_read(&f.rx, got16, 8), 8);
  for (int i = 0; i < 8; i++)
    CHECK_MSG(got16[i] == want[i], "int16 rounding %d: %.9g*32768 -> %d, expected %d", i, r[i],
              got16[i], want[i]);
  fx_free(&f);
}

int main(int argc, char **argv) {
  static const th_test_t tests[] = {
      TEST_ENTRY(convert_int8_all_values),
      TEST_ENTRY(convert_uint8_all_values),
      TEST_ENTRY(convert_int16_all_values),
      TEST_ENTRY(convert_int16_through_maps),
      TEST_ENTRY(convert_int24_strided_and_extremes),
      TEST_ENTRY(convert_int32_24_significant_bits),
      TEST_ENTRY(convert_clamping),
  };
  return th_run(tests, sizeof tests / sizeof tests[0], argc, argv);
}
