/*
 * Unit tests of the sample conversions (include/pastream/convert.h,
 * src/core/convert.c): int24 packing, the two NaN rules, every integer
 * format through left-justified int32 and through doubles and back, and
 * float32 rounded at a file's width.
 *
 * Run with test names (substrings) as arguments to run only those.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "pastream/convert.h"
#include "test-harness.h"

static const int int_formats[] = {PAS_FORMAT_INT32, PAS_FORMAT_INT24, PAS_FORMAT_INT16,
                                  PAS_FORMAT_INT8, PAS_FORMAT_UINT8};

TEST(int24_packing) {
  const int32_t values[] = {0, 1, -1, 8388607, -8388608, 0x123456, -0x123456};
  for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
    uint8_t p[3];
    pas_i24_write(p, values[i]);
    CHECK_EQ_INT(pas_i24_read(p), values[i]);
  }
  uint8_t p[3];
  pas_i24_write(p, 0x123456);
  CHECK_EQ_INT(p[0], 0x56); /* little endian */
  CHECK_EQ_INT(p[2], 0x12);
}

TEST(format_sizes_and_bits) {
  CHECK_EQ_INT(pas_format_size(PAS_FORMAT_INT24), 3);
  CHECK_EQ_INT(pas_format_bits(PAS_FORMAT_INT24), 24);
  CHECK_EQ_INT(pas_format_bits(PAS_FORMAT_UINT8), 8);
  CHECK_EQ_INT(pas_format_bits(PAS_FORMAT_FLOAT32), 0);
  CHECK_EQ_INT(pas_format_size(9), 0);
}

TEST(rounding_and_nan) {
  /* the callback's rule: NaN is the most negative value */
  uint8_t p[2];
  pas_sample_from_float(PAS_FORMAT_INT16, NAN, p);
  int16_t v;
  memcpy(&v, p, 2);
  CHECK_EQ_INT(v, -32768);
  /* the file rule: NaN is silence; ties go to even; clamped */
  CHECK_EQ_INT(pas_round_clamp_bits(NAN, 16), 0);
  CHECK_EQ_INT(pas_round_clamp_bits(0.5 / 32768, 16), 0);
  CHECK_EQ_INT(pas_round_clamp_bits(1.5 / 32768, 16), 2);
  CHECK_EQ_INT(pas_round_clamp_bits(1.0, 16), 32767);
  CHECK_EQ_INT(pas_round_clamp_bits(-1.5, 16), -32768);
  CHECK_EQ_INT(pas_round_clamp_bits(1.0, 20), 524287);
  CHECK_EQ_INT(pas_round_clamp_bits(-1.0, 32), INT32_MIN);
}

/* Every format: samples -> left-justified int32 -> samples is exact, and
 * -> doubles -> samples is exact. */
/* pas_round_even is nearbyint (ties to even) without libm, for every value
 * the clamps let through: ties, near-ties, signs, the int32 edges, and a
 * sweep of scaled samples. */
TEST(round_even_is_nearbyint) {
  const double cases[] = {0.0, 0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.49999999999999994, 1.4999999,
                          -0.49999999999999994, 32766.5, 32767.5, -32768.5, 2147483646.5,
                          -2147483648.0, 2147483647.0, 8388607.5, -8388608.5, 1e-300, -1e-300};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    CHECK_MSG(pas_round_even(cases[i]) == nearbyint(cases[i]), "%.17g: %.17g, nearbyint %.17g",
              cases[i], pas_round_even(cases[i]), nearbyint(cases[i]));
  for (int k = -200000; k <= 200000 && !TH_FAILED(); k++) {
    const double x = (double)(float)(k / 200000.0) * 32768.0 + 0.25 * (k % 4);
    CHECK_MSG(pas_round_even(x) == nearbyint(x), "%.17g", x);
  }
}

TEST(integer_round_trips) {
  th_rng_t rng;
  th_rng_seed(&rng, 42);
  enum { N = 4096 };
  static uint8_t in[N * 4], out[N * 4];
  static int32_t i32[N];
  static double dbl[N];
  for (size_t f = 0; f < sizeof int_formats / sizeof int_formats[0]; f++) {
    const int format = int_formats[f];
    const size_t bytes = N * pas_format_size(format);
    for (size_t i = 0; i < bytes; i++) in[i] = (uint8_t)th_rng_next(&rng);
    memset(out, 0, sizeof out);
    pas_convert_to_i32(format, in, i32, N, 32);
    pas_convert_from_i32(format, i32, out, N);
    CHECK_MSG(memcmp(in, out, bytes) == 0, "format %d through int32", format);
    memset(out, 0, sizeof out);
    pas_convert_to_double(format, in, dbl, N);
    pas_convert_from_double(format, dbl, out, N);
    CHECK_MSG(memcmp(in, out, bytes) == 0, "format %d through double", format);
    /* a double is the sample over its full scale, like the callback's float */
    for (size_t i = 0; i < N && format != PAS_FORMAT_INT32; i++) {
      const size_t size = pas_format_size(format);
      CHECK_EQ_DBL(dbl[i], (double)pas_sample_to_float(format, in + i * size));
    }
  }
}

TEST(float32_at_a_file_width) {
  const float f[] = {1.0f, -1.0f, 1.5f, -1.5f, 0.5f / 32768, NAN, 0.25f};
  int32_t dst[7];
  pas_convert_to_i32(PAS_FORMAT_FLOAT32, (const uint8_t *)f, dst, 7, 16);
  const int32_t want16[] = {32767, -32768, 32767, -32768, 0, 0, 8192};
  for (int i = 0; i < 7; i++) CHECK_EQ_INT(dst[i], (int32_t)((uint32_t)want16[i] << 16));
  float back[7];
  pas_convert_from_i32(PAS_FORMAT_FLOAT32, dst, (uint8_t *)back, 7);
  CHECK_EQ_DBL(back[6], 0.25);
  CHECK_EQ_DBL(back[1], -1.0);
}

int main(int argc, char **argv) {
  static const th_test_t tests[] = {
      TEST_ENTRY(int24_packing),        TEST_ENTRY(format_sizes_and_bits),
      TEST_ENTRY(rounding_and_nan),     TEST_ENTRY(round_even_is_nearbyint),
      TEST_ENTRY(integer_round_trips),
      TEST_ENTRY(float32_at_a_file_width),
  };
  return th_run(tests, sizeof tests / sizeof tests[0], argc, argv);
}
