// WAV files being written: their I/O and their header's form.
//
// TypeScript opens a WAV for writing as RF64 with SFC_RF64_AUTO_DOWNGRADE
// (open-plan.ts): libsndfile then writes RF64 once the file passes 4 GiB and
// a RIFF/WAVE file below that. Its downgraded header keeps RF64's
// WAVE_FORMAT_EXTENSIBLE fmt chunk, which Python's wave module refuses and
// sox warns about (for float). So libsndfile writes such a file through
// virtual I/O over a descriptor this file owns, and every header it writes
// (at offset 0: at open, before the first frames, on each
// SFC_UPDATE_HEADER_NOW the file pump sends, at close) passes through
// PlainWavHeader on its way to the disk. The header is therefore never on
// disk in any other form while the file is under 4 GiB, whichever way the
// file ends (close, exit, a signal, SIGKILL after a header update), and no
// byte moves: libsndfile keeps its own layout and offsets.
//
// libsndfile's RF64 writer lays a downgraded header out as
//   RIFF <size> WAVE | JUNK 24 (room for ds64) | fmt  40 (extensible) |
//   fact 4 | data <size>
// and past 4 GiB as RF64 / ds64 / fmt / a 0-byte PAD / data, over the same
// bytes. PlainWavHeader leaves RF64 alone and turns the downgraded one into
//   PCM:   RIFF | JUNK 24 | fmt  16 (WAVE_FORMAT_PCM) | JUNK 28 | data
//   other: RIFF | JUNK 24 | fmt  18 (IEEE_FLOAT, ALAW, MULAW; cbSize 0) |
//          JUNK 14 | fact 4 | data
// which is what libsndfile's WAV writer and Audacity write for PCM, and sox
// for float (fmt 18 with its cbSize; libsndfile's WAV writer leaves cbSize
// out, and sox warns about that too). Files of more than 2 channels keep
// the extensible fmt chunk, as the WAVE spec asks: its channel mask says
// which speaker each channel is for.
#include "glue.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace pastream_sndfile {

namespace {

uint16_t U16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | p[1] << 8); }
uint32_t U32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 | static_cast<uint32_t>(p[2]) << 16 |
         static_cast<uint32_t>(p[3]) << 24;
}
void Put16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v);
  p[1] = static_cast<uint8_t>(v >> 8);
}
void Put32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
bool Is(const uint8_t* p, const char* id) { return std::memcmp(p, id, 4) == 0; }

// KSDATAFORMAT_SUBTYPE_*: a WAVE_FORMAT tag in the first two bytes, then these.
const uint8_t kSubtypeGuidTail[14] = {0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80,
                                      0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71};
constexpr uint16_t kWavePcm = 0x0001, kWaveFloat = 0x0003, kWaveAlaw = 0x0006, kWaveMulaw = 0x0007;
constexpr uint16_t kWaveExtensible = 0xfffe;
constexpr uint32_t kExtensibleFmtSize = 40;

}  // namespace

bool PlainWavHeader(uint8_t* h, size_t size) {
  if (size < 12 || !Is(h, "RIFF") || !Is(h + 8, "WAVE")) return false;
  size_t fmt = 0, fact = 0;  // offsets of the chunks' ids; 0 = none
  for (uint64_t at = 12; at + 8 <= size;) {
    const uint8_t* chunk = h + at;
    if (Is(chunk, "data")) break;
    if (Is(chunk, "fmt ")) fmt = static_cast<size_t>(at);
    if (Is(chunk, "fact") && fmt != 0 && at == fmt + 8 + kExtensibleFmtSize) fact = static_cast<size_t>(at);
    const uint32_t length = U32(chunk + 4);
    at += 8 + static_cast<uint64_t>(length) + (length & 1);
  }
  if (fmt == 0 || U32(h + fmt + 4) != kExtensibleFmtSize || fmt + 8 + kExtensibleFmtSize > size) return false;
  uint8_t* f = h + fmt + 8;
  const uint16_t channels = U16(f + 2), bits = U16(f + 14), extension = U16(f + 16), valid_bits = U16(f + 18);
  const uint32_t mask = U32(f + 20);
  const uint8_t* guid = f + 24;
  if (U16(f) != kWaveExtensible || extension != 22 || valid_bits != bits) return false;
  if (channels < 1 || channels > 2) return false;
  // no mask, or the one a plain header implies (mono: centre; stereo: left, right)
  if (mask != 0 && mask != (channels == 1 ? 0x4u : 0x3u)) return false;
  if (std::memcmp(guid + 2, kSubtypeGuidTail, sizeof kSubtypeGuidTail) != 0) return false;
  const uint16_t tag = U16(guid);
  if (tag != kWavePcm && tag != kWaveFloat && tag != kWaveAlaw && tag != kWaveMulaw) return false;
  const bool pcm = tag == kWavePcm;
  // PCM has no fact chunk: it joins the padding
  size_t end = fmt + 8 + kExtensibleFmtSize;
  if (pcm && fact != 0 && fact + 12 <= size && U32(h + fact + 4) == 4) end = fact + 12;
  const uint32_t fmt_size = pcm ? 16 : 18;
  Put32(h + fmt + 4, fmt_size);
  Put16(f, tag);
  if (!pcm) Put16(f + 16, 0);  // cbSize: no extension
  uint8_t* pad = f + fmt_size;
  const size_t pad_size = static_cast<size_t>(h + end - pad) - 8;
  std::memcpy(pad, "JUNK", 4);
  Put32(pad + 4, static_cast<uint32_t>(pad_size));
  std::memset(pad + 8, 0, pad_size);
  return true;
}

namespace {

// What libsndfile's own I/O would have said (psf_log_syserr), kept with the
// errno for FileError: virtual I/O has no error of its own.
void Fail(WavWriter* io, int sys_errno) {
  io->sys_errno = sys_errno;
  io->message = std::string("System error : ") + std::strerror(sys_errno) + ".";
}

sf_count_t IoFilelen(void* user) {
  auto* io = static_cast<WavWriter*>(user);
  struct stat st;
  if (fstat(io->fd, &st) != 0) {
    Fail(io, errno);
    return -1;
  }
  return static_cast<sf_count_t>(st.st_size) - io->base;
}

sf_count_t IoSeek(sf_count_t offset, int whence, void* user) {
  auto* io = static_cast<WavWriter*>(user);
  const off_t at = lseek(io->fd, static_cast<off_t>(whence == SEEK_SET ? io->base + offset : offset), whence);
  if (at < 0) {
    Fail(io, errno);
    return -1;
  }
  io->position = static_cast<sf_count_t>(at) - io->base;
  return io->position;
}

sf_count_t IoRead(void* ptr, sf_count_t count, void* user) {
  auto* io = static_cast<WavWriter*>(user);
  sf_count_t done = 0;
  while (done < count) {
    const ssize_t n = read(io->fd, static_cast<uint8_t*>(ptr) + done, static_cast<size_t>(count - done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) Fail(io, errno);
    if (n <= 0) break;
    done += n;
  }
  io->position += done;
  return done;
}

sf_count_t IoWrite(const void* ptr, sf_count_t count, void* user) {
  auto* io = static_cast<WavWriter*>(user);
  const uint8_t* bytes = static_cast<const uint8_t*>(ptr);
  std::vector<uint8_t> header;
  if (io->position == 0) {
    // libsndfile writes its whole header at once, from offset 0
    header.assign(bytes, bytes + count);
    if (PlainWavHeader(header.data(), header.size())) bytes = header.data();
  }
  sf_count_t done = 0;
  while (done < count) {
    const ssize_t n = write(io->fd, bytes + done, static_cast<size_t>(count - done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Fail(io, errno);
      break;
    }
    done += n;
  }
  io->position += done;
  return done;
}

sf_count_t IoTell(void* user) { return static_cast<WavWriter*>(user)->position; }

SF_VIRTUAL_IO kWavIo = {IoFilelen, IoSeek, IoRead, IoWrite, IoTell};

}  // namespace

SNDFILE* OpenWavWriter(const std::string& path, int fd, bool closefd, SF_INFO* info, WavWriter** writer,
                       IoError* error) {
  *writer = nullptr;
  SNDFILE* sf = nullptr;
  const off_t base = fd < 0 ? 0 : lseek(fd, 0, SEEK_CUR);  // as sf_open_fd: the file starts where the descriptor is
  int open_errno = 0;
  if (base < 0) {
    // not seekable: libsndfile's own I/O, which says what it cannot do there
    errno = 0;
    sf = sf_open_fd(fd, SFM_WRITE, info, closefd ? SF_TRUE : SF_FALSE);
    open_errno = errno;
  } else {
    if (fd < 0) {
      // libsndfile's own flags and permissions for SFM_WRITE, and close-on-exec
      fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | PAS_O_FILE, 0666);
      if (fd < 0) {
        open_errno = errno;
        *error = MakeIoError(SF_ERR_SYSTEM, open_errno, std::string("System error : ") + std::strerror(open_errno) + ".");
        return nullptr;
      }
      closefd = true;
    }
    auto* io = new WavWriter();
    io->fd = fd;
    io->owns_fd = closefd;
    io->base = static_cast<sf_count_t>(base);
    sf = sf_open_virtual(&kWavIo, SFM_WRITE, info, io);
    open_errno = io->sys_errno;
    if (sf == nullptr) CloseWavWriter(io);
    else *writer = io;
  }
  if (sf == nullptr) {
    *error = MakeIoError(sf_error(nullptr), open_errno, sf_strerror(nullptr));
    return nullptr;
  }
  // before the first write: the header is finished at close (the header at
  // open, downgraded, is sndfile.cc's OpenRequest's)
  sf_command(sf, SFC_RF64_AUTO_DOWNGRADE, nullptr, SF_TRUE);
  return sf;
}

int TruncateWavWriter(WavWriter* io) {
  if (ftruncate(io->fd, static_cast<off_t>(io->base + io->position)) == 0) return 0;
  return errno;
}

int CloseWavWriter(WavWriter* io) {
  int error = 0;
  if (io->owns_fd && close(io->fd) != 0) error = errno;
  delete io;
  return error;
}

}  // namespace pastream_sndfile
