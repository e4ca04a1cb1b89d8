/*
 * pastream sample formats and conversions: the one place that knows how
 * each dtype is stored, how it scales to and from float, and how int24 is
 * packed.
 *
 * Scaling is symmetric: an integer sample x of b bits is x / 2^(b-1) as a
 * float, and a float f becomes f * 2^(b-1), rounded to nearest (ties to
 * even) and clamped to [-2^(b-1), 2^(b-1) - 1]. So int8/16/24 round-trip
 * through float32 bit-exactly (DESIGN.md section 4).
 *
 * The per-sample functions are static inline: the callback engine
 * (callback.c) runs them on the audio thread, once per sample. The buffer
 * functions (convert.c) serve file I/O (soundfile's libsndfile glue), which
 * sees samples as libsndfile's left-justified int32 or as doubles. None of
 * them allocates, locks or makes a system call; all are callable from any
 * thread on memory the caller owns.
 */
#ifndef PASTREAM_CONVERT_H
#define PASTREAM_CONVERT_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Sample formats of ring data (and of every addon's dtype argument).
 * Values are ours, not PortAudio's. */
typedef enum pas_format {
  PAS_FORMAT_FLOAT32 = 1,
  PAS_FORMAT_INT32 = 2,
  PAS_FORMAT_INT24 = 3, /* packed, 3 bytes little endian */
  PAS_FORMAT_INT16 = 4,
  PAS_FORMAT_INT8 = 5,
  PAS_FORMAT_UINT8 = 6
} pas_format_t;

/* Full scale of each integer width: 2^(bits-1). */
#define PAS_SCALE_INT32 2147483648.0
#define PAS_SCALE_INT24 8388608.0
#define PAS_SCALE_INT16 32768.0
#define PAS_SCALE_INT8 128.0

/* Bytes per sample, 0 for an unknown format. */
static inline uint32_t pas_format_size(int format) {
  switch (format) {
    case PAS_FORMAT_FLOAT32: return 4;
    case PAS_FORMAT_INT32: return 4;
    case PAS_FORMAT_INT24: return 3;
    case PAS_FORMAT_INT16: return 2;
    case PAS_FORMAT_INT8: return 1;
    case PAS_FORMAT_UINT8: return 1;
    default: return 0;
  }
}

/* Significant bits of an integer format (uint8 counts as 8); 0 for float32
 * and unknown formats. */
static inline int pas_format_bits(int format) {
  switch (format) {
    case PAS_FORMAT_INT32: return 32;
    case PAS_FORMAT_INT24: return 24;
    case PAS_FORMAT_INT16: return 16;
    case PAS_FORMAT_INT8:
    case PAS_FORMAT_UINT8: return 8;
    default: return 0;
  }
}

/* ---- int24: packed, 3 bytes little endian ---- */

static inline int32_t pas_i24_read(const uint8_t *p) {
  uint32_t u = (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16);
  return (int32_t)(u << 8) >> 8; /* sign-extend */
}

static inline void pas_i24_write(uint8_t *p, int32_t v) {
  p[0] = (uint8_t)(v & 0xff);
  p[1] = (uint8_t)((v >> 8) & 0xff);
  p[2] = (uint8_t)((v >> 16) & 0xff);
}

/* ---- rounding ---- */

/* x rounded to the nearest integer, ties to even, as nearbyint() in the
 * default rounding mode, but with no libm call (nearbyint is a call through
 * the PLT per sample, a measurable part of the audio thread's time): adding
 * and subtracting 2^52 leaves the sum rounded to a whole number by the
 * IEEE double arithmetic itself. Exact for |x| < 2^52, which the callers'
 * clamps guarantee; needs strict double evaluation (SSE2, NEON; not x87,
 * not -ffast-math). */
static inline double pas_round_even(double x) {
  const double magic = 4503599627370496.0; /* 2^52 */
  return x >= 0 ? (x + magic) - magic : (x - magic) + magic;
}

/* x rounded to nearest within [lo, hi]; NaN gives lo (the callback's rule:
 * one compare, no extra branch on the audio thread). */
static inline double pas_clamp_round(double x, double lo, double hi) {
  if (!(x > lo)) return lo; /* also maps NaN to lo */
  if (x > hi) return hi;
  return pas_round_even(x);
}

/* x in [-1, 1) as an integer of `bits` bits (2..32): scaled, rounded and
 * clamped; NaN gives 0 (silence: the rule for samples written to files). */
static inline int32_t pas_round_clamp_bits(double x, int bits) {
  if (x != x) return 0;
  const double scale = ldexp(1.0, bits - 1);
  return (int32_t)pas_clamp_round(x * scale, -scale, scale - 1);
}

/* ---- one sample <-> float32 (the callback engine's conversions) ---- */

/* int16, the most common ring format, on its own: the engine's int16 loops
 * and the generic conversions below both use these. */
static inline float pas_i16_to_float(int16_t v) {
  return (float)v * (float)(1.0 / PAS_SCALE_INT16);
}

static inline int16_t pas_i16_from_float(float f) {
  return (int16_t)pas_clamp_round((double)f * PAS_SCALE_INT16, -PAS_SCALE_INT16,
                                  PAS_SCALE_INT16 - 1);
}

/* Ring sample (format) -> float32. */
static inline float pas_sample_to_float(int format, const uint8_t *p) {
  switch (format) {
    case PAS_FORMAT_INT32: {
      int32_t v;
      memcpy(&v, p, 4);
      return (float)((double)v * (1.0 / PAS_SCALE_INT32));
    }
    case PAS_FORMAT_INT24: return (float)pas_i24_read(p) * (float)(1.0 / PAS_SCALE_INT24);
    case PAS_FORMAT_INT16: {
      int16_t v;
      memcpy(&v, p, 2);
      return pas_i16_to_float(v);
    }
    case PAS_FORMAT_INT8: return (float)(int8_t)p[0] * (float)(1.0 / PAS_SCALE_INT8);
    case PAS_FORMAT_UINT8: return (float)((int)p[0] - 128) * (float)(1.0 / PAS_SCALE_INT8);
    default: {
      float f;
      memcpy(&f, p, 4);
      return f;
    }
  }
}

/* float32 -> ring sample (format): rounded and clamped; NaN gives the most
 * negative value. */
static inline void pas_sample_from_float(int format, float f, uint8_t *p) {
  switch (format) {
    case PAS_FORMAT_INT32: {
      int32_t v = (int32_t)pas_clamp_round((double)f * PAS_SCALE_INT32, -PAS_SCALE_INT32,
                                           PAS_SCALE_INT32 - 1);
      memcpy(p, &v, 4);
      break;
    }
    case PAS_FORMAT_INT24:
      pas_i24_write(p, (int32_t)pas_clamp_round((double)f * PAS_SCALE_INT24, -PAS_SCALE_INT24,
                                                PAS_SCALE_INT24 - 1));
      break;
    case PAS_FORMAT_INT16: {
      int16_t v = pas_i16_from_float(f);
      memcpy(p, &v, 2);
      break;
    }
    case PAS_FORMAT_INT8:
      p[0] = (uint8_t)(int8_t)pas_clamp_round((double)f * PAS_SCALE_INT8, -PAS_SCALE_INT8,
                                              PAS_SCALE_INT8 - 1);
      break;
    case PAS_FORMAT_UINT8:
      p[0] = (uint8_t)((int)pas_clamp_round((double)f * PAS_SCALE_INT8, -PAS_SCALE_INT8,
                                            PAS_SCALE_INT8 - 1) + 128);
      break;
    default: memcpy(p, &f, 4); break;
  }
}

/* ---- buffers <-> file sample layouts (convert.c) ---- */

/*
 * Left-justified int32 (libsndfile's int layout: a b-bit sample in the top
 * b bits) -> count samples of format at out. Integer formats keep the top
 * bits (truncation: exact for a file of that width); float32 is v / 2^31.
 */
void pas_convert_from_i32(int format, const int32_t *src, uint8_t *out, size_t count);

/*
 * count samples of format at in -> left-justified int32. Integer formats
 * are shifted up; float32 is rounded and clamped at `bits` (the file's
 * width, 2..32; NaN gives 0), then left-justified.
 */
void pas_convert_to_i32(int format, const uint8_t *in, int32_t *dst, size_t count, int bits);

/*
 * Doubles in [-1, 1) (a floating-point file's samples) -> count samples of
 * format: integer formats rounded and clamped at their width (NaN gives 0),
 * float32 cast.
 */
void pas_convert_from_double(int format, const double *src, uint8_t *out, size_t count);

/* count samples of format -> doubles: integer x of b bits is x / 2^(b-1). */
void pas_convert_to_double(int format, const uint8_t *in, double *dst, size_t count);

#ifdef __cplusplus
}
#endif

#endif
