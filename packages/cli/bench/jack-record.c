/*
 * The floor pastream's CPU figures are compared with (packages/cli/bench/
 * floor.mjs): a bare JACK client that captures two channels of a JACK
 * server's `system` device at the server's rate, converts them to
 * interleaved int16 in its process callback into a lock-free ring
 * (jack_ringbuffer), and either leaves the ring unread (`none`: what an
 * engine with no consumer does) or writes it to a 16-bit stereo WAV
 * file from its main thread, which wakes by the rule pastream's pumps
 * follow (a quarter of the ring, at most every 250 ms). Nothing else: no
 * PortAudio, no Node, no libsndfile.
 *
 *   jack-record SECONDS DEVICE none|OUT.wav
 *
 * DEVICE is the JACK client whose capture_1 and capture_2 ports it reads
 * (`system`: the server's own; pastream lists it as the device `system`).
 * Prints one JSON line on stdout: frames captured and the process's CPU
 * time (getrusage, every thread) in ms. The server is JACK's default or
 * JACK_DEFAULT_SERVER's.
 */
#define _POSIX_C_SOURCE 200809L
#include <jack/jack.h>
#include <jack/ringbuffer.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define CHANNELS 2
#define RING_BYTES (1u << 18) /* 65536 stereo int16 frames, 1.4 s at 48 kHz */
#define MAX_WAKE_MS 250

static jack_port_t *ports[CHANNELS];
static jack_ringbuffer_t *ring;
static atomic_llong captured;
static long long wanted;

static int16_t to_int16(float x) {
  if (x >= 1.0f) return 32767;
  if (x <= -1.0f) return -32768;
  return (int16_t)(x * 32767.0f);
}

static int process(jack_nframes_t n, void *arg) {
  (void)arg;
  const float *in[CHANNELS];
  for (int c = 0; c < CHANNELS; c++) in[c] = jack_port_get_buffer(ports[c], n);
  long long done = atomic_load_explicit(&captured, memory_order_relaxed);
  if (done >= wanted) return 0;
  jack_ringbuffer_data_t parts[2];
  jack_ringbuffer_get_write_vector(ring, parts);
  jack_nframes_t frames = 0;
  for (int p = 0; p < 2 && frames < n; p++) {
    int16_t *dst = (int16_t *)parts[p].buf;
    size_t room = parts[p].len / (CHANNELS * sizeof(int16_t));
    for (size_t i = 0; i < room && frames < n; i++, frames++)
      for (int c = 0; c < CHANNELS; c++) *dst++ = to_int16(in[c][frames]);
  }
  jack_ringbuffer_write_advance(ring, frames * CHANNELS * sizeof(int16_t));
  atomic_store_explicit(&captured, done + n, memory_order_release);
  return 0;
}

static void put_u32(unsigned char *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}

static void write_header(FILE *f, uint32_t data_bytes, uint32_t rate) {
  unsigned char h[44];
  memcpy(h, "RIFF", 4);
  put_u32(h + 4, 36 + data_bytes);
  memcpy(h + 8, "WAVEfmt ", 8);
  put_u32(h + 16, 16);
  h[20] = 1, h[21] = 0, h[22] = CHANNELS, h[23] = 0; /* PCM, channels */
  put_u32(h + 24, rate);
  put_u32(h + 28, rate * CHANNELS * 2);
  h[32] = CHANNELS * 2, h[33] = 0, h[34] = 16, h[35] = 0;
  memcpy(h + 36, "data", 4);
  put_u32(h + 40, data_bytes);
  fseek(f, 0, SEEK_SET);
  fwrite(h, 1, sizeof h, f);
}

/* Writes what the ring holds; the bytes written. */
static size_t drain(FILE *f) {
  jack_ringbuffer_data_t parts[2];
  jack_ringbuffer_get_read_vector(ring, parts);
  size_t bytes = 0;
  for (int p = 0; p < 2; p++) {
    if (parts[p].len == 0) continue;
    fwrite(parts[p].buf, 1, parts[p].len, f);
    bytes += parts[p].len;
  }
  jack_ringbuffer_read_advance(ring, bytes);
  return bytes;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: jack-record SECONDS DEVICE none|OUT.wav\n");
    return 2;
  }
  const double seconds = atof(argv[1]);
  const char *device = argv[2];
  const char *out = argv[3];
  const int to_file = strcmp(out, "none") != 0;
  jack_status_t status;
  jack_client_t *client = jack_client_open("jack-record", JackNoStartServer, &status);
  if (client == NULL) {
    fprintf(stderr, "jack-record: no JACK server (status 0x%x)\n", (unsigned)status);
    return 1;
  }
  const uint32_t rate = jack_get_sample_rate(client);
  wanted = (long long)(seconds * rate);
  ring = jack_ringbuffer_create(RING_BYTES);
  jack_ringbuffer_mlock(ring);
  char name[128];
  for (int c = 0; c < CHANNELS; c++) {
    snprintf(name, sizeof name, "in_%d", c + 1);
    ports[c] = jack_port_register(client, name, JACK_DEFAULT_AUDIO_TYPE, JackPortIsInput, 0);
  }
  jack_set_process_callback(client, process, NULL);
  FILE *f = NULL;
  if (to_file) {
    f = fopen(out, "wb");
    if (f == NULL) {
      perror(out);
      return 1;
    }
    write_header(f, 0, rate);
  }
  if (jack_activate(client) != 0) {
    fprintf(stderr, "jack-record: cannot activate\n");
    return 1;
  }
  for (int c = 0; c < CHANNELS; c++) {
    snprintf(name, sizeof name, "%s:capture_%d", device, c + 1);
    if (jack_connect(client, name, jack_port_name(ports[c])) != 0) {
      fprintf(stderr, "jack-record: cannot connect %s\n", name);
      return 1;
    }
  }
  /* the rule of pastream's pumps: a quarter of the ring, at most 250 ms */
  long wake_ms = (long)((double)RING_BYTES / (CHANNELS * 2) / 4 / rate * 1000);
  if (wake_ms > MAX_WAKE_MS) wake_ms = MAX_WAKE_MS;
  if (wake_ms < 1) wake_ms = 1;
  const struct timespec wake = {wake_ms / 1000, (wake_ms % 1000) * 1000000L};
  size_t data_bytes = 0;
  while (atomic_load_explicit(&captured, memory_order_acquire) < wanted) {
    nanosleep(&wake, NULL);
    if (f != NULL) {
      data_bytes += drain(f);
      fflush(f);
    }
  }
  jack_deactivate(client);
  if (f != NULL) {
    data_bytes += drain(f);
    write_header(f, (uint32_t)data_bytes, rate);
    fclose(f);
  }
  jack_client_close(client);
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  const double cpu_ms = usage.ru_utime.tv_sec * 1e3 + usage.ru_utime.tv_usec / 1e3 +
                        usage.ru_stime.tv_sec * 1e3 + usage.ru_stime.tv_usec / 1e3;
  printf("{\"frames\":%lld,\"cpuMs\":%.3f,\"maxRssKb\":%ld}\n", (long long)atomic_load(&captured), cpu_ms,
         usage.ru_maxrss);
  return 0;
}
