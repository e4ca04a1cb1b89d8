/* See jack_loopback.h. The jack_* functions are jack_shim.c's: libjack is
 * loaded on first use, by the one loader PortAudio's JACK host API uses too. */
#include "jack_loopback.h"

#include <jack/jack.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jack_shim.h"

#define PAS_LOOPBACK_MAX_CHANNELS 64

struct pas_loopback {
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
    const float *src = (const float *)jack_port_get_buffer(lb->in[k], frames);
    float *dst = (float *)jack_port_get_buffer(lb->out[k], frames);
    memcpy(dst, src, sizeof(float) * frames);
  }
  return 0;
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
  if (!pas_jack_load(error, (size_t)error_size)) {
    pas_loopback_close(lb);
    return NULL;
  }
  if (getenv("PASTREAM_BACKEND_LOGS") == NULL) {
    jack_set_error_function(quiet);
    jack_set_info_function(quiet);
  }
  jack_status_t status = 0;
  lb->client = jack_client_open(client_name, JackNoStartServer | JackUseExactName | JackServerName,
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
    lb->in[k] = jack_port_register(lb->client, name, JACK_DEFAULT_AUDIO_TYPE,
                                   JackPortIsInput | JackPortIsTerminal, 0);
    snprintf(name, sizeof name, "capture_%d", k + 1);
    lb->out[k] = jack_port_register(lb->client, name, JACK_DEFAULT_AUDIO_TYPE,
                                    JackPortIsOutput | JackPortIsTerminal, 0);
    if (lb->in[k] == NULL || lb->out[k] == NULL) {
      snprintf(error, (size_t)error_size, "cannot register loopback port %d", k + 1);
      pas_loopback_close(lb);
      return NULL;
    }
  }
  jack_on_shutdown(lb->client, shutdown_cb, lb);
  if (jack_set_process_callback(lb->client, process, lb) != 0 ||
      jack_activate(lb->client) != 0) {
    snprintf(error, (size_t)error_size, "cannot activate the loopback client");
    pas_loopback_close(lb);
    return NULL;
  }
  return lb;
}

unsigned pas_loopback_samplerate(const pas_loopback_t *lb) {
  return jack_get_sample_rate(lb->client);
}

unsigned pas_loopback_period(const pas_loopback_t *lb) {
  return jack_get_buffer_size(lb->client);
}

void pas_loopback_close(pas_loopback_t *lb) {
  if (lb == NULL) return;
  if (lb->server_gone) {
    /* libjack may crash deactivating a client of a dead server, and its
     * shutdown callback may still hold lb: both are left to the process */
    return;
  }
  if (lb->client != NULL) {
    jack_deactivate(lb->client);
    jack_client_close(lb->client);
  }
  free(lb);
}
