// Frames in and out of an open file in any pastream dtype. libsndfile
// converts float32, int32 and int16 itself where that is exact; every other
// case goes through left-justified int32 or doubles with the core's
// converters (pastream/convert.h), so scaling and int24 packing live there.
// A write that comes up short (disk full) leaves the file with whole frames
// and says why in the file's short_write (an IoError).
#include "glue.h"

#include "pastream/convert.h"

#include <algorithm>
#include <cerrno>
#include <string>
#include <vector>

namespace pastream_sndfile {

// Subtypes whose samples are integers of a known width: float32 data is
// converted to them here, symmetrically (x * 2^(bits-1), rounded and
// clamped), because libsndfile scales float -> int by 2^(bits-1) - 1 but
// int -> float by 2^(bits-1), so its own round trip is not exact. 0 for
// every other subtype.
static int IntegerWidth(int format) {
  switch (format & SF_FORMAT_SUBMASK) {
    case SF_FORMAT_PCM_S8:
    case SF_FORMAT_PCM_U8:
      return 8;
    case SF_FORMAT_PCM_16:
    case SF_FORMAT_ALAC_16:
      return 16;
    case SF_FORMAT_ALAC_20:
      return 20;
    case SF_FORMAT_PCM_24:
    case SF_FORMAT_ALAC_24:
      return 24;
    case SF_FORMAT_PCM_32:
    case SF_FORMAT_ALAC_32:
      return 32;
    default:
      return 0;
  }
}

// FLOAT and DOUBLE files: libsndfile neither scales ints written to them nor
// floats read from them as ints (0.5 reads as int16 0), so integer dtypes go
// through doubles here with the same symmetric scaling.
static bool IsFloatFile(int format) {
  int sub = format & SF_FORMAT_SUBMASK;
  return sub == SF_FORMAT_FLOAT || sub == SF_FORMAT_DOUBLE;
}

// Buffers for moving up to `chunk` frames through libsndfile's doubles
// (float files) or left-justified int32 (every other file).
struct Scratch {
  int channels;
  int64_t chunk;
  size_t bytes;  // per sample of the ring format
  std::vector<double> doubles;
  std::vector<int32_t> ints;
  Scratch(int ch, int format, bool float_file)
      : channels(ch), chunk(std::max<int64_t>(1, 65536 / ch)), bytes(pas_format_size(format)),
        doubles(float_file ? chunk * ch : 0), ints(float_file ? 0 : chunk * ch) {}
};

// Reads up to `frames` frames into dst (frames * channels samples of format).
// Caller holds w->mutex. Returns the frames read.
int64_t ReadFrames(FileWrap* w, int format, uint8_t* dst, int64_t frames) {
  SNDFILE* sf = w->sf;
  const bool float_file = IsFloatFile(w->format);
  if (format == PAS_FORMAT_FLOAT32) return sf_readf_float(sf, reinterpret_cast<float*>(dst), frames);
  if (!float_file && format == PAS_FORMAT_INT32) return sf_readf_int(sf, reinterpret_cast<int*>(dst), frames);
  if (!float_file && format == PAS_FORMAT_INT16) return sf_readf_short(sf, reinterpret_cast<short*>(dst), frames);
  Scratch scratch(w->channels, format, float_file);
  const int ch = scratch.channels;
  const int64_t chunk = scratch.chunk;
  const size_t bytes = scratch.bytes;
  int64_t done = 0;
  while (done < frames) {
    const int64_t want = std::min(chunk, frames - done);
    const int64_t got = float_file ? sf_readf_double(sf, scratch.doubles.data(), want) : sf_readf_int(sf, scratch.ints.data(), want);
    if (got <= 0) break;
    uint8_t* out = dst + static_cast<size_t>(done) * ch * bytes;
    const size_t n = static_cast<size_t>(got) * ch;
    if (float_file) pas_convert_from_double(format, scratch.doubles.data(), out, n);
    else pas_convert_from_i32(format, scratch.ints.data(), out, n);
    done += got;
    if (got < want) break;
  }
  return done;
}

// Writes `frames` frames from src, converted. Returns the frames written.
static int64_t WriteConverted(FileWrap* w, int format, const uint8_t* src, int64_t frames) {
  SNDFILE* sf = w->sf;
  const bool float_file = IsFloatFile(w->format);
  const int width = IntegerWidth(w->format);
  if (format == PAS_FORMAT_FLOAT32 && (float_file || width == 0))
    return sf_writef_float(sf, reinterpret_cast<const float*>(src), frames);
  if (!float_file && format == PAS_FORMAT_INT32) return sf_writef_int(sf, reinterpret_cast<const int*>(src), frames);
  if (!float_file && format == PAS_FORMAT_INT16) return sf_writef_short(sf, reinterpret_cast<const short*>(src), frames);
  Scratch scratch(w->channels, format, float_file);
  const int ch = scratch.channels;
  const int64_t chunk = scratch.chunk;
  const size_t bytes = scratch.bytes;
  int64_t done = 0;
  while (done < frames) {
    const int64_t want = std::min(chunk, frames - done);
    const uint8_t* in = src + static_cast<size_t>(done) * ch * bytes;
    const size_t n = static_cast<size_t>(want) * ch;
    int64_t put;
    if (float_file) {
      pas_convert_to_double(format, in, scratch.doubles.data(), n);
      put = sf_writef_double(sf, scratch.doubles.data(), want);
    } else {
      pas_convert_to_i32(format, in, scratch.ints.data(), n, width == 0 ? 32 : width);
      put = sf_writef_int(sf, scratch.ints.data(), want);
    }
    if (put > 0) done += put;
    if (put < want) break;
  }
  return done;
}

bool HeaderCountsFrames(int format) {
  const int major = format & SF_FORMAT_TYPEMASK;
  return major != SF_FORMAT_OGG && major != SF_FORMAT_MPEG;
}

// Files whose frames all have one size on disk, right after the header:
// what libsndfile can truncate at a frame (SFC_FILE_TRUNCATE). Not the
// codecs (FLAC, Vorbis, MPEG, ALAC, ADPCM...), which keep their own state.
static bool HasFixedSizeFrames(int format) {
  switch (format & SF_FORMAT_TYPEMASK) {
    case SF_FORMAT_FLAC:
    case SF_FORMAT_OGG:
    case SF_FORMAT_MPEG:
      return false;
    default:
      break;
  }
  switch (format & SF_FORMAT_SUBMASK) {
    case SF_FORMAT_PCM_S8:
    case SF_FORMAT_PCM_U8:
    case SF_FORMAT_PCM_16:
    case SF_FORMAT_PCM_24:
    case SF_FORMAT_PCM_32:
    case SF_FORMAT_FLOAT:
    case SF_FORMAT_DOUBLE:
    case SF_FORMAT_ULAW:
    case SF_FORMAT_ALAW:
      return true;
    default:
      return false;
  }
}

// A write came up short: keeps why in w->short_write (libsndfile's error,
// else the WAV writer's, else "wrote N of M frames"; with the errno of the
// failed write(2): EPIPE, ENOSPC...), then trims what the failed write left
// of a partial frame at the end of the file (a full disk takes bytes up to
// its last block, rarely on a frame boundary), so the file ends with the
// whole frames its header counts and readers find no stray bytes after the
// data. Trimming goes through sf_seek, which clears libsndfile's error:
// hence the copy first.
static void NoteShortWrite(FileWrap* w, int64_t put, int64_t frames, int sys_errno) {
  SNDFILE* sf = w->sf;
  IoError& note = w->short_write;
  note = FileError(sf, w->wav, sys_errno);
  if (note.sndfile_code == SF_ERR_NO_ERROR)
    note = MakeIoError(SF_ERR_SYSTEM, sys_errno, "wrote " + std::to_string(put) + " of " + std::to_string(frames) + " frames");
  if (!HasFixedSizeFrames(w->format)) return;
  // only at the end of the file: a short write over frames already there (mode rw) cuts nothing
  SF_INFO current{};
  sf_command(sf, SFC_GET_CURRENT_SF_INFO, &current, sizeof current);
  sf_count_t end = sf_seek(sf, 0, SEEK_CUR | SFM_WRITE);
  if (end < 0 || end < current.frames) return;
  if (w->wav == nullptr) {
    sf_command(sf, SFC_FILE_TRUNCATE, &end, sizeof end);
  } else if (sf_seek(sf, end, SEEK_SET | SFM_WRITE) == end) {
    // the WAV writer's virtual I/O: it cuts where sf_seek put it
    TruncateWavWriter(w->wav);
  }
}

// Writes `frames` frames from src. Caller holds w->mutex. Returns the frames written.
int64_t WriteFrames(FileWrap* w, int format, const uint8_t* src, int64_t frames) {
  if (w->wav != nullptr) w->wav->sys_errno = 0;  // an error is the call's, as libsndfile's are
  errno = 0;
  const int64_t put = WriteConverted(w, format, src, frames);
  // errno: what the failing write(2) said; libsndfile's own I/O keeps only its text
  if (put < frames) NoteShortWrite(w, put, frames, errno);
  return put;
}

}  // namespace pastream_sndfile
