// libsndfile's library queries: version, the major formats and subtypes it
// knows, and sf_format_check.
#include "glue.h"

#include <cstring>

namespace pastream_sndfile {

Napi::Value Version(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), sf_version_string()); }

Napi::Value FormatList(const Napi::CallbackInfo& info, int count_cmd, int item_cmd) {
  Napi::Env env = info.Env();
  int count = 0;
  sf_command(nullptr, count_cmd, &count, sizeof count);
  Napi::Array list = Napi::Array::New(env);
  for (int i = 0; i < count; i++) {
    SF_FORMAT_INFO f;
    std::memset(&f, 0, sizeof f);
    f.format = i;
    if (sf_command(nullptr, item_cmd, &f, sizeof f) != 0) continue;
    Napi::Object o = Napi::Object::New(env);
    o.Set("format", f.format);
    o.Set("name", f.name ? f.name : "");
    o.Set("extension", f.extension ? f.extension : "");
    list.Set(list.Length(), o);
  }
  return list;
}

// majorFormats() -> [{format, name, extension}]: SFC_GET_FORMAT_MAJOR
Napi::Value MajorFormats(const Napi::CallbackInfo& info) {
  return FormatList(info, SFC_GET_FORMAT_MAJOR_COUNT, SFC_GET_FORMAT_MAJOR);
}

// subtypes() -> [{format, name}]: SFC_GET_FORMAT_SUBTYPE
Napi::Value Subtypes(const Napi::CallbackInfo& info) {
  return FormatList(info, SFC_GET_FORMAT_SUBTYPE_COUNT, SFC_GET_FORMAT_SUBTYPE);
}

// formatCheck(format, samplerate, channels) -> boolean: sf_format_check
Napi::Value FormatCheck(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsNumber() || !info[1].IsNumber() || !info[2].IsNumber())
    throw CodedTypeError(env, "formatCheck(format, samplerate, channels)");
  SF_INFO sfinfo;
  std::memset(&sfinfo, 0, sizeof sfinfo);
  sfinfo.format = info[0].As<Napi::Number>().Int32Value();
  sfinfo.samplerate = info[1].As<Napi::Number>().Int32Value();
  sfinfo.channels = info[2].As<Napi::Number>().Int32Value();
  return Napi::Boolean::New(env, sf_format_check(&sfinfo) != 0);
}

}  // namespace pastream_sndfile
