/*
 * Buffer conversions between ring sample formats and the layouts sound
 * files use (libsndfile's left-justified int32, and doubles). The scaling
 * rules and the int24 packing are convert.h's; this file only loops.
 * See include/pastream/convert.h for the contract.
 */
#include "pastream/convert.h"

static inline int32_t left_justify(int32_t value, int bits) {
  return (int32_t)((uint32_t)value << (32 - bits));
}

void pas_convert_from_i32(int format, const int32_t *src, uint8_t *out, size_t count) {
  switch (format) {
    case PAS_FORMAT_INT24:
      for (size_t i = 0; i < count; i++) pas_i24_write(out + 3 * i, src[i] >> 8);
      break;
    case PAS_FORMAT_INT8:
      for (size_t i = 0; i < count; i++) out[i] = (uint8_t)(int8_t)(src[i] >> 24);
      break;
    case PAS_FORMAT_UINT8:
      for (size_t i = 0; i < count; i++) out[i] = (uint8_t)((src[i] >> 24) + 128);
      break;
    case PAS_FORMAT_INT32: memcpy(out, src, count * 4); break;
    case PAS_FORMAT_INT16:
      for (size_t i = 0; i < count; i++) {
        int16_t v = (int16_t)(src[i] >> 16);
        memcpy(out + 2 * i, &v, 2);
      }
      break;
    default:
      for (size_t i = 0; i < count; i++) {
        float f = (float)((double)src[i] * (1.0 / PAS_SCALE_INT32));
        memcpy(out + 4 * i, &f, 4);
      }
      break;
  }
}

void pas_convert_to_i32(int format, const uint8_t *in, int32_t *dst, size_t count, int bits) {
  switch (format) {
    case PAS_FORMAT_INT24:
      for (size_t i = 0; i < count; i++) dst[i] = left_justify(pas_i24_read(in + 3 * i), 24);
      break;
    case PAS_FORMAT_INT8:
      for (size_t i = 0; i < count; i++) dst[i] = left_justify((int8_t)in[i], 8);
      break;
    case PAS_FORMAT_UINT8:
      for (size_t i = 0; i < count; i++) dst[i] = left_justify((int32_t)in[i] - 128, 8);
      break;
    case PAS_FORMAT_INT32: memcpy(dst, in, count * 4); break;
    case PAS_FORMAT_INT16:
      for (size_t i = 0; i < count; i++) {
        int16_t v;
        memcpy(&v, in + 2 * i, 2);
        dst[i] = left_justify(v, 16);
      }
      break;
    default:
      for (size_t i = 0; i < count; i++) {
        float f;
        memcpy(&f, in + 4 * i, 4);
        dst[i] = left_justify(pas_round_clamp_bits(f, bits), bits);
      }
      break;
  }
}

void pas_convert_from_double(int format, const double *src, uint8_t *out, size_t count) {
  const int bits = pas_format_bits(format);
  for (size_t i = 0; i < count; i++) {
    if (bits == 0) {
      float f = (float)src[i];
      memcpy(out + 4 * i, &f, 4);
      continue;
    }
    int32_t v = pas_round_clamp_bits(src[i], bits);
    switch (format) {
      case PAS_FORMAT_INT32: memcpy(out + 4 * i, &v, 4); break;
      case PAS_FORMAT_INT24: pas_i24_write(out + 3 * i, v); break;
      case PAS_FORMAT_INT16: {
        int16_t s = (int16_t)v;
        memcpy(out + 2 * i, &s, 2);
        break;
      }
      case PAS_FORMAT_INT8: out[i] = (uint8_t)(int8_t)v; break;
      default: out[i] = (uint8_t)(v + 128); break; /* uint8 */
    }
  }
}

void pas_convert_to_double(int format, const uint8_t *in, double *dst, size_t count) {
  const int bits = pas_format_bits(format);
  if (bits == 0) {
    for (size_t i = 0; i < count; i++) {
      float f;
      memcpy(&f, in + 4 * i, 4);
      dst[i] = f;
    }
    return;
  }
  const double scale = 1.0 / ldexp(1.0, bits - 1);
  for (size_t i = 0; i < count; i++) {
    int32_t v;
    switch (format) {
      case PAS_FORMAT_INT32: memcpy(&v, in + 4 * i, 4); break;
      case PAS_FORMAT_INT24: v = pas_i24_read(in + 3 * i); break;
      case PAS_FORMAT_INT16: {
        int16_t s;
        memcpy(&s, in + 2 * i, 2);
        v = s;
        break;
      }
      case PAS_FORMAT_INT8: v = (int8_t)in[i]; break;
      default: v = (int32_t)in[i] - 128; break; /* uint8 */
    }
    dst[i] = (double)v * scale;
  }
}
