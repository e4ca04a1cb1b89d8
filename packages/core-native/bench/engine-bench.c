/*
 * Benchmark of the callback engine (src/core/callback.c): how fast it moves
 * 256-frame stereo float32 blocks between a ring and a device buffer,
 * compared with a plain memcpy of the same bytes measured in the same run.
 *
 *   identity: tx ring -> output buffer, no channel map (one memcpy per region)
 *   mapped:   tx ring -> output buffer, txmapping {2, 1} (channels swapped)
 *   rx:       input buffer -> rx ring, no channel map
 *
 * Source of the tx data: loop mode. The tx ring (8192 frames = 64 KiB) is
 * filled once before configure, with frames = -1, pad = -1 and loop = 1, so
 * the engine replays it forever: every 32nd callback finds the ring dry and
 * rewinds to the start. We chose this over refilling the ring from a
 * producer because a refill would put a second copy (producer -> ring) in
 * the timed loop and measure the ring's write path as much as the engine;
 * with loop mode the timed loop is exactly the audio callback's work. The
 * rewind costs one extra region lookup per 32 blocks.
 *
 * The memcpy baseline copies 256 * 2 * 4 = 2048 bytes per block from a
 * 64 KiB source buffer (the same amount of memory as the ring, cycled the
 * same way) to a 2 KiB destination. For rx, the engine reads its input from
 * a cycling 64 KiB buffer the same way, and the rx ring is drained (an index
 * move, no copy) after every callback.
 *
 * Each measurement runs for ~1 s (argv[1] seconds, default 1.0) after a
 * warm-up; the best of 3 counts. Exit status is 0 unless the engine could
 * not be set up or produced wrong samples; the goals are only reported.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pastream/callback.h"
#include "pastream/layout.h"
#include "pastream/ring.h"

#define BLOCK 256u
#define CHANNELS 2u
#define RING_FRAMES 8192u
#define BLOCK_BYTES (BLOCK * CHANNELS * sizeof(float))
#define SOURCE_BYTES (RING_FRAMES * CHANNELS * sizeof(float))
#define BATCH 256 /* blocks between clock reads */

static double seconds = 1.0;

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Keeps the compiler from dropping or merging the copies. */
static inline void clobber(void *p) { __asm__ volatile("" : : "r"(p) : "memory"); }

static void *xalloc(size_t bytes) {
  size_t rounded = (bytes + 63) & ~(size_t)63;
  void *p = aligned_alloc(64, rounded);
  if (p == NULL) {
    fprintf(stderr, "out of memory\n");
    exit(1);
  }
  memset(p, 0, rounded);
  return p;
}

typedef struct bench {
  pas_engine_t engine;
  uint8_t *tx_mem, *rx_mem;
  size_t tx_bytes, rx_bytes;
  pas_ring_t rx_consumer;
  pas_stats_t *stats;
  float *out;    /* one block of device output */
  float *source; /* 64 KiB: memcpy source, and the rx input */
  float *dest;   /* one block: memcpy destination */
  unsigned long cursor;
} bench_t;

enum kind { KIND_MEMCPY, KIND_TX, KIND_RX };

static float sample(uint32_t frame, uint32_t ch) {
  return (float)((int32_t)((frame * 2654435761u + ch * 40503u) & 0xFFFF) - 32768) / 32768.0f;
}

static int setup_tx(bench_t *b, int mapped) {
  pas_engine_config_t c;
  memset(&c, 0, sizeof c);
  pas_engine_config_defaults(&c);
  c.out_channels = CHANNELS;
  c.tx_channels = CHANNELS;
  c.format = c.device_format = PAS_FORMAT_FLOAT32;
  c.frames = -1;
  c.pad = -1;
  c.loop = 1;
  if (mapped) {
    c.txmapping[0] = 2;
    c.txmapping[1] = 1;
  }
  pas_ring_t producer;
  b->tx_bytes = pas_ring_bytes(CHANNELS * sizeof(float), RING_FRAMES);
  if (b->tx_mem == NULL) b->tx_mem = xalloc(b->tx_bytes);
  if (pas_ring_init(&producer, b->tx_mem, b->tx_bytes, CHANNELS * sizeof(float), RING_FRAMES))
    return -1;
  float *frames = xalloc(SOURCE_BYTES);
  for (uint32_t i = 0; i < RING_FRAMES; i++)
    for (uint32_t k = 0; k < CHANNELS; k++) frames[i * CHANNELS + k] = sample(i, k);
  uint32_t written = pas_ring_write(&producer, frames, RING_FRAMES);
  free(frames);
  if (written != RING_FRAMES) return -1;
  int rc = pas_engine_configure(&b->engine, &c, b->tx_mem, b->tx_bytes, NULL, 0, b->stats,
                                PAS_STATS_BYTES);
  if (rc != PAS_ENGINE_OK) {
    fprintf(stderr, "configure: %s\n", pas_engine_strerror(rc));
    return -1;
  }
  pas_engine_start(&b->engine);
  /* one block, checked: the numbers mean nothing if the samples are wrong */
  pas_time_info_t t = {0, 0, 0};
  if (pas_engine_process(&b->engine, NULL, b->out, BLOCK, &t, 0) != PAS_CONTINUE) return -1;
  for (uint32_t i = 0; i < BLOCK; i++)
    for (uint32_t k = 0; k < CHANNELS; k++)
      if (b->out[i * CHANNELS + k] != sample(i, mapped ? CHANNELS - 1 - k : k)) {
        fprintf(stderr, "engine output wrong at frame %u channel %u\n", i, k);
        return -1;
      }
  return 0;
}

static int setup_rx(bench_t *b) {
  pas_engine_config_t c;
  memset(&c, 0, sizeof c);
  pas_engine_config_defaults(&c);
  c.in_channels = CHANNELS;
  c.rx_channels = CHANNELS;
  c.format = c.device_format = PAS_FORMAT_FLOAT32;
  c.frames = -1;
  c.pad = -1;
  b->rx_bytes = pas_ring_bytes(CHANNELS * sizeof(float), RING_FRAMES);
  if (b->rx_mem == NULL) b->rx_mem = xalloc(b->rx_bytes);
  if (pas_ring_init(&b->rx_consumer, b->rx_mem, b->rx_bytes, CHANNELS * sizeof(float),
                    RING_FRAMES))
    return -1;
  int rc = pas_engine_configure(&b->engine, &c, NULL, 0, b->rx_mem, b->rx_bytes, b->stats,
                                PAS_STATS_BYTES);
  if (rc != PAS_ENGINE_OK) {
    fprintf(stderr, "configure: %s\n", pas_engine_strerror(rc));
    return -1;
  }
  pas_engine_start(&b->engine);
  pas_time_info_t t = {0, 0, 0};
  if (pas_engine_process(&b->engine, b->source, NULL, BLOCK, &t, 0) != PAS_CONTINUE) return -1;
  float check[BLOCK * CHANNELS];
  if (pas_ring_read(&b->rx_consumer, check, BLOCK) != BLOCK ||
      memcmp(check, b->source, BLOCK_BYTES) != 0) {
    fprintf(stderr, "engine recording wrong\n");
    return -1;
  }
  return 0;
}

/* Runs `blocks` blocks of one kind. */
static int run_blocks(bench_t *b, enum kind kind, unsigned long blocks) {
  static const pas_time_info_t t = {0, 0, 0};
  const unsigned long per_source = SOURCE_BYTES / BLOCK_BYTES;
  for (unsigned long i = 0; i < blocks; i++) {
    const uint8_t *src = (const uint8_t *)b->source + (b->cursor % per_source) * BLOCK_BYTES;
    b->cursor++;
    switch (kind) {
      case KIND_MEMCPY:
        memcpy(b->dest, src, BLOCK_BYTES);
        clobber(b->dest);
        break;
      case KIND_TX:
        if (pas_engine_process(&b->engine, NULL, b->out, BLOCK, &t, 0) != PAS_CONTINUE) return -1;
        break;
      case KIND_RX:
        if (pas_engine_process(&b->engine, src, NULL, BLOCK, &t, 0) != PAS_CONTINUE) return -1;
        pas_ring_advance_read(&b->rx_consumer, BLOCK); /* the consumer keeps up */
        break;
    }
  }
  return 0;
}

/* Best of 3 runs of ~`seconds` each, after a warm-up; frames per second. */
static double measure(bench_t *b, enum kind kind) {
  double warm_end = now() + seconds * 0.2;
  while (now() < warm_end)
    if (run_blocks(b, kind, BATCH)) return -1;
  double best = 0;
  for (int rep = 0; rep < 3; rep++) {
    unsigned long blocks = 0;
    double start = now(), elapsed;
    do {
      if (run_blocks(b, kind, BATCH)) return -1;
      blocks += BATCH;
      elapsed = now() - start;
    } while (elapsed < seconds);
    double fps = (double)blocks * BLOCK / elapsed;
    if (fps > best) best = fps;
  }
  return best;
}

static void report(const char *name, double fps, double base, double goal) {
  double ratio = fps / base;
  printf("%s: %.1f Mframes/s, %.2fx memcpy (goal >= %.2gx)%s\n", name, fps / 1e6, ratio, goal,
         ratio >= goal ? "" : "  BELOW GOAL");
}

int main(int argc, char **argv) {
  if (argc > 1) {
    seconds = atof(argv[1]);
    if (!(seconds > 0)) seconds = 1.0;
  }
  bench_t b;
  memset(&b, 0, sizeof b);
  b.stats = xalloc(PAS_STATS_BYTES);
  b.out = xalloc(BLOCK_BYTES);
  b.dest = xalloc(BLOCK_BYTES);
  b.source = xalloc(SOURCE_BYTES);
  for (uint32_t i = 0; i < RING_FRAMES; i++)
    for (uint32_t k = 0; k < CHANNELS; k++) b.source[i * CHANNELS + k] = sample(i + 7, k);

  printf("engine-bench: %u-frame stereo float32 blocks, %.2g s per run, best of 3\n", BLOCK,
         seconds);
  double base = measure(&b, KIND_MEMCPY);
  printf("memcpy: %.1f Mframes/s (%u bytes per block)\n", base / 1e6, (unsigned)BLOCK_BYTES);

  if (setup_tx(&b, 0)) return 1;
  double identity = measure(&b, KIND_TX);
  if (identity < 0) return 1;
  report("identity", identity, base, 0.5);

  if (setup_tx(&b, 1)) return 1;
  double mapped = measure(&b, KIND_TX);
  if (mapped < 0) return 1;
  report("mapped", mapped, base, 0.25);

  if (setup_rx(&b)) return 1;
  double rx = measure(&b, KIND_RX);
  if (rx < 0) return 1;
  report("rx", rx, base, 0.5);

  free(b.tx_mem);
  free(b.rx_mem);
  free(b.stats);
  free(b.out);
  free(b.dest);
  free(b.source);
  return 0;
}
