/*
 * libjack on demand: jack_shim.c defines the jack_* functions the addon
 * calls (PortAudio's JACK host API, pa_jack.c, and the virtual loopback
 * device, jack_loopback.c) and forwards each to libjack.so.0, loaded with
 * dlopen on the first call (libjack64.dll with LoadLibrary on Windows,
 * where PortAudio has no JACK host API and only the loopback device uses
 * it: pastream/platform.h). libjack is never a link-time dependency: on a
 * machine without it jack_client_open fails (status JackFailure), so
 * PortAudio initialises with no JACK host API.
 *
 * Threads: any; the library is loaded once (pthread_once). It stays loaded:
 * its threads and atexit handlers may still refer to it.
 */
#ifndef PASTREAM_JACK_SHIM_H
#define PASTREAM_JACK_SHIM_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Loads libjack (PAS_JACK_LIBRARY) and every function the shim forwards (once). Returns 1
 * when they are there; otherwise 0, with why (and what to install) written
 * into error (size error_size). */
int pas_jack_load(char *error, size_t error_size);

#ifdef __cplusplus
}
#endif

#endif
