// Arguments and results of the soundfile addon: dtype codes, handles,
// frame counts, sample arrays (checked for type and size), SF_INFO objects
// and libsndfile errors. No policy: TypeScript validates options first.
#include "glue.h"

#include "pastream/convert.h"

#include <cmath>

namespace pastream_sndfile {

// ---- sample formats ----
//
// dtypes arrive as core-native's format codes (pas_format_t, formatCodes in
// TypeScript), the same numbers core-native's addon takes. Sizes, scaling
// and int24 packing are the core's (pastream/convert.h).

int ParseFormat(Napi::Env env, const Napi::Value& value) {
  if (value.IsNumber()) {
    const int format = value.As<Napi::Number>().Int32Value();
    if (pas_format_size(format) != 0 && value.As<Napi::Number>().DoubleValue() == format) return format;
  }
  throw CodedTypeError(env, "dtype must be a format code (formatCodes: float32 1 ... uint8 6)");
}

napi_typedarray_type ArrayTypeOf(int format) {
  switch (format) {
    case PAS_FORMAT_FLOAT32:
      return napi_float32_array;
    case PAS_FORMAT_INT32:
      return napi_int32_array;
    case PAS_FORMAT_INT16:
      return napi_int16_array;
    case PAS_FORMAT_INT8:
      return napi_int8_array;
    default:  // int24 (packed bytes), uint8
      return napi_uint8_array;
  }
}

FileWrap* Unwrap(Napi::Env env, const Napi::Value& value) {
  bool ok = false;
  if (value.IsExternal()) {
    if (napi_check_object_type_tag(env, value, &kFileTag, &ok) != napi_ok) ok = false;
  }
  if (!ok) throw CodedTypeError(env, "expected a sound file handle", kErrInvalidHandle);
  return value.As<Napi::External<FileWrap>>().Data();
}

double NumberOr(const Napi::Object& o, const char* key, double fallback) {
  Napi::Value v = o.Get(key);
  return v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : fallback;
}

int64_t FramesArg(Napi::Env env, const Napi::Value& value) {
  if (!value.IsNumber()) throw CodedTypeError(env, "frames must be a number");
  double f = value.As<Napi::Number>().DoubleValue();
  if (!(f >= 0) || f > 9007199254740991.0 || std::floor(f) != f)
    throw CodedTypeError(env, "frames must be a non-negative integer");
  return static_cast<int64_t>(f);
}

// The typed array for `frames` frames of format: checked for type and size.
Napi::TypedArray SamplesArg(Napi::Env env, const Napi::Value& value, int format, int64_t frames, int channels) {
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != ArrayTypeOf(format))
    throw CodedTypeError(env, "samples must be the typed array of the dtype");
  Napi::TypedArray array = value.As<Napi::TypedArray>();
  const double need = static_cast<double>(frames) * channels * pas_format_size(format);
  if (need > static_cast<double>(array.ByteLength()))
    throw CodedRangeError(env, "samples array is too small for the frames");
  return array;
}

uint8_t* DataOf(const Napi::TypedArray& array) {
  return static_cast<uint8_t*>(array.ArrayBuffer().Data()) + array.ByteOffset();
}

Napi::Object InfoObject(Napi::Env env, const SF_INFO& info) {
  Napi::Object o = Napi::Object::New(env);
  // libsndfile says SF_COUNT_MAX when it does not know (a pipe)
  const bool unknown = info.frames < 0 || info.frames >= (static_cast<sf_count_t>(1) << 53);
  o.Set("frames", Napi::Number::New(env, unknown ? -1.0 : static_cast<double>(info.frames)));
  o.Set("samplerate", Napi::Number::New(env, info.samplerate));
  o.Set("channels", Napi::Number::New(env, info.channels));
  o.Set("format", Napi::Number::New(env, info.format));
  o.Set("sections", Napi::Number::New(env, info.sections));
  o.Set("seekable", Napi::Boolean::New(env, info.seekable != 0));
  return o;
}

}  // namespace pastream_sndfile
