/* See jack_loopback.h. The few libjack entry points we need are looked up
 * with dlsym; their prototypes are JACK's stable C ABI. */
#define _GNU_SOURCE
#include "jack_loopback.h"

#include <dlfcn.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAS_LOOPBACK_MAX_CHANNELS 64

/* JACK constants (jack/types.h) */
enum { JACK_NO_START_SERVER = 0x01, JACK_USE_EXACT_NAME = 0x02, JACK_SERVER_NAME = 0x04 };
enum { JACK_PORT_IS_INPUT = 0x1, JACK_PORT_IS_OUTPUT = 0x2, JACK_PORT_IS_TERMINAL = 0x10 };

typedef struct jack_client jack_client_t;
typedef struct jack_port jack_port_t;
typedef uint32_t jack_nframes_t;
typedef int (*process_fn)(jack_nframes_t, void *);

typedef struct jack_api {
  jack_client_t *(*client_open)(const char *, int, int *, ...);
  int (*client_close)(jack_client_t *);
  jack_port_t *(*port_register)(jack_client_t *, const char *, const char *, unsigned long,
                                unsigned long);
  int (*set_process_callback)(jack_client_t *, process_fn, void *);
  int (*activate)(jack_client_t *);
  int (*deactivate)(jack_client_t *);
  void *(*port_get_buffer)(jack_port_t *, jack_nframes_t);
  jack_nframes_t (*get_sample_rate)(jack_client_t *);
  jack_nframes_t (*get_buffer_size)(jack_client_t *);
  void (*set_error_function)(void (*)(const char *));
  void (*set_info_function)(void (*)(const char *));
  void (*on_shutdown)(jack_client_t *, void (*)(void *), void *);
} jack_api_t;

struct pas_loopback {
  void *library;
  jack_api_t api;
  jack_client_t *client;
  int channels;
  jack_port_t *in[PAS_LOOPBACK_MAX_CHANNELS];
  jack_port_t *out[PAS_LOOPBACK_MAX_CHANNELS];
  /* the server went away (libjack's shutdown callback, its own thread) */
  volatile sig_atomic_t server_gone;
};

static void quiet(const char *message) { (void)message; }

static void shutdown_cb(void *arg) { ((pas_loopback_t *)arg)->server_gone = 1; }

/* JACK's process thread: copy what was played into what is captured. */
static int process(jack_nframes_t frames, void *arg) {
  pas_loopback_t *lb = (pas_loopback_t *)arg;
  for (int k = 0; k < lb->channels; k++) {
    const float *src = (const float *)lb->api.port_get_buffer(lb->in[k], frames);
    float *dst = (float *)lb->api.port_get_buffer(lb->out[k], frames);
    memcpy(dst, src, sizeof(float) * frames);
  }
  return 0;
}

static int load(pas_loopback_t *lb, char *error, int error_size) {
  lb->library = dlopen("libjack.so.0", RTLD_NOW | RTLD_LOCAL);
  if (lb->library == NULL) {
    snprintf(error, (size_t)error_size,
             "cannot load libjack.so.0 (%s); install JACK (Debian: apt-get install jackd2)",
             dlerror());
    return 0;
  }
#define PAS_SYM(field, name)                                                         \
  do {                                                                               \
    *(void **)(&lb->api.field) = dlsym(lb->library, name);                           \
    if (lb->api.field == NULL) {                                                     \
      snprintf(error, (size_t)error_size, "libjack.so.0 has no symbol %s", name);    \
      return 0;                                                                      \
    }                                                                                \
  } while (0)
  PAS_SYM(client_open, "jack_client_open");
  PAS_SYM(client_close, "jack_client_close");
  PAS_SYM(port_register, "jack_port_register");
  PAS_SYM(set_process_callback, "jack_set_process_callback");
  PAS_SYM(activate, "jack_activate");
  PAS_SYM(deactivate, "jack_deactivate");
  PAS_SYM(port_get_buffer, "jack_port_get_buffer");
  PAS_SYM(get_sample_rate, "jack_get_sample_rate");
  PAS_SYM(get_buffer_size, "jack_get_buffer_size");
  PAS_SYM(set_error_function, "jack_set_error_function");
  PAS_SYM(set_info_function, "jack_set_info_function");
  PAS_SYM(on_shutdown, "jack_on_shutdown");
#undef PAS_SYM
  return 1;
}

pas_loopback_t *pas_loopback_open(const char *server_name, const char *client_name,
                                  int channels, char *error, int error_size) {
  if (channels < 1 || channels > PAS_LOOPBACK_MAX_CHANNELS) {
    snprintf(error, (size_t)error_size, "loopback channels must be 1..%d, got %d",
             PAS_LOOPBACK_MAX_CHANNELS, channels);
    return NULL;
  }
  pas_loopback_t *lb = (pas_loopback_t *)calloc(1, sizeof *lb);
  if (lb == NULL) {
    snprintf(error, (size_t)error_size, "out of memory");
    return NULL;
  }
  if (!load(lb, error, error_size)) {
    pas_loopback_close(lb);
    return NULL;
  }
  if (getenv("PASTREAM_BACKEND_LOGS") == NULL) {
    lb->api.set_error_function(quiet);
    lb->api.set_info_function(quiet);
  }
  int status = 0;
  lb->client = lb->api.client_open(client_name,
                                   JACK_NO_START_SERVER | JACK_USE_EXACT_NAME | JACK_SERVER_NAME,
                                   &status, server_name);
  if (lb->client == NULL) {
    snprintf(error, (size_t)error_size,
             "cannot connect to JACK server '%s' as '%s' (jack status 0x%x)", server_name,
             client_name, (unsigned)status);
    pas_loopback_close(lb);
    return NULL;
  }
  lb->channels = channels;
  for (int k = 0; k < channels; k++) {
    char name[32];
    snprintf(name, sizeof name, "playback_%d", k + 1);
    lb->in[k] = lb->api.port_register(lb->client, name, "32 bit float mono audio",
                                      JACK_PORT_IS_INPUT | JACK_PORT_IS_TERMINAL, 0);
    snprintf(name, sizeof name, "capture_%d", k + 1);
    lb->out[k] = lb->api.port_register(lb->client, name, "32 bit float mono audio",
                                       JACK_PORT_IS_OUTPUT | JACK_PORT_IS_TERMINAL, 0);
    if (lb->in[k] == NULL || lb->out[k] == NULL) {
      snprintf(error, (size_t)error_size, "cannot register loopback port %d", k + 1);
      pas_loopback_close(lb);
      return NULL;
    }
  }
  lb->api.on_shutdown(lb->client, shutdown_cb, lb);
  if (lb->api.set_process_callback(lb->client, process, lb) != 0 ||
      lb->api.activate(lb->client) != 0) {
    snprintf(error, (size_t)error_size, "cannot activate the loopback client");
    pas_loopback_close(lb);
    return NULL;
  }
  return lb;
}

unsigned pas_loopback_samplerate(const pas_loopback_t *lb) {
  return lb->api.get_sample_rate(lb->client);
}

unsigned pas_loopback_period(const pas_loopback_t *lb) {
  return lb->api.get_buffer_size(lb->client);
}

void pas_loopback_close(pas_loopback_t *lb) {
  if (lb == NULL) return;
  if (lb->server_gone) {
    /* libjack may crash deactivating a client of a dead server, and its
     * shutdown callback may still hold lb: both are left to the process */
    return;
  }
  if (lb->client != NULL) {
    lb->api.deactivate(lb->client);
    lb->api.client_close(lb->client);
  }
  /* libjack stays loaded: its threads and atexit handlers may still refer to it */
  free(lb);
}
