/* See jack_shim.h. The prototypes come from JACK's headers (a build-only
 * dependency: libjack-jackd2-dev), so the compiler checks every forward
 * against JACK's stable C ABI. Each function below is defined with the
 * addon's hidden visibility: a libjack another library loads is never
 * confused with it. */
#define _GNU_SOURCE
#include "jack_shim.h"

#include <jack/jack.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "pastream/platform.h"

/* The functions forwarded with a result: X(result type, name, parameters,
 * arguments, result when libjack is missing). Functions that take a client
 * or a port are only reached after jack_client_open succeeded. */
#define PAS_JACK_FUNCTIONS(X)                                                                \
  X(int, jack_client_close, (jack_client_t * client), (client), -1)                          \
  X(int, jack_client_name_size, (void), (), 64)                                              \
  X(char *, jack_get_client_name, (jack_client_t * client), (client), NULL)                  \
  X(int, jack_activate, (jack_client_t * client), (client), -1)                              \
  X(int, jack_deactivate, (jack_client_t * client), (client), -1)                            \
  X(int, jack_set_process_callback,                                                          \
    (jack_client_t * client, JackProcessCallback callback, void *arg), (client, callback, arg), \
    -1)                                                                                      \
  X(int, jack_set_sample_rate_callback,                                                      \
    (jack_client_t * client, JackSampleRateCallback callback, void *arg),                    \
    (client, callback, arg), -1)                                                             \
  X(int, jack_set_xrun_callback, (jack_client_t * client, JackXRunCallback callback, void *arg), \
    (client, callback, arg), -1)                                                             \
  X(jack_nframes_t, jack_get_sample_rate, (jack_client_t * client), (client), 0)            \
  X(jack_nframes_t, jack_get_buffer_size, (jack_client_t * client), (client), 0)            \
  X(jack_nframes_t, jack_frame_time, (const jack_client_t *client), (client), 0)            \
  X(jack_port_t *, jack_port_register,                                                       \
    (jack_client_t * client, const char *name, const char *type, unsigned long flags,        \
     unsigned long buffer_size),                                                             \
    (client, name, type, flags, buffer_size), NULL)                                          \
  X(int, jack_port_unregister, (jack_client_t * client, jack_port_t * port), (client, port), -1) \
  X(void *, jack_port_get_buffer, (jack_port_t * port, jack_nframes_t frames), (port, frames), \
    NULL)                                                                                    \
  X(const char *, jack_port_name, (const jack_port_t *port), (port), NULL)                   \
  X(int, jack_port_name_size, (void), (), 256)                                               \
  X(int, jack_port_connected, (const jack_port_t *port), (port), 0)                          \
  X(jack_nframes_t, jack_port_get_latency, (jack_port_t * port), (port), 0)                 \
  X(jack_port_t *, jack_port_by_name, (jack_client_t * client, const char *name), (client, name), \
    NULL)                                                                                    \
  X(const char **, jack_get_ports,                                                           \
    (jack_client_t * client, const char *name_pattern, const char *type_pattern,             \
     unsigned long flags),                                                                   \
    (client, name_pattern, type_pattern, flags), NULL)                                       \
  X(int, jack_connect, (jack_client_t * client, const char *source, const char *destination), \
    (client, source, destination), -1)                                                       \
  X(int, jack_port_disconnect, (jack_client_t * client, jack_port_t * port), (client, port), -1)

/* The functions forwarded without a result: V(name, parameters, arguments). */
#define PAS_JACK_PROCEDURES(V)                                                               \
  V(jack_on_shutdown, (jack_client_t * client, JackShutdownCallback callback, void *arg),   \
    (client, callback, arg))                                                                 \
  V(jack_set_error_function, (void (*function)(const char *)), (function))                   \
  V(jack_set_info_function, (void (*function)(const char *)), (function))

typedef jack_client_t *(*pas_jack_client_open_fn)(const char *, jack_options_t, jack_status_t *,
                                                   ...);

static struct {
  void *library;
  char error[256];
  pas_jack_client_open_fn jack_client_open;
#define PAS_JACK_POINTER(result, name, parameters, arguments, missing) result(*name) parameters;
#define PAS_JACK_PROCEDURE_POINTER(name, parameters, arguments) void(*name) parameters;
  PAS_JACK_FUNCTIONS(PAS_JACK_POINTER)
  PAS_JACK_PROCEDURES(PAS_JACK_PROCEDURE_POINTER)
#undef PAS_JACK_POINTER
#undef PAS_JACK_PROCEDURE_POINTER
} jack;

static pthread_once_t jack_once = PTHREAD_ONCE_INIT;

static int resolve(void *library, const char *name, void **slot) {
  *slot = pas_library_symbol(library, name);
  if (*slot != NULL) return 1;
  snprintf(jack.error, sizeof jack.error, PAS_JACK_LIBRARY " has no symbol %s", name);
  return 0;
}

static void load_once(void) {
  void *library = pas_library_open(PAS_JACK_LIBRARY);
  if (library == NULL) {
    char why[128];
    snprintf(jack.error, sizeof jack.error,
             "cannot load " PAS_JACK_LIBRARY " (%s); install JACK (Debian: apt-get install jackd2)",
             pas_library_error(why, sizeof why));
    return;
  }
  int ok = resolve(library, "jack_client_open", (void **)&jack.jack_client_open);
#define PAS_JACK_RESOLVE(result, name, parameters, arguments, missing) \
  ok = ok && resolve(library, #name, (void **)&jack.name);
#define PAS_JACK_PROCEDURE_RESOLVE(name, parameters, arguments) \
  ok = ok && resolve(library, #name, (void **)&jack.name);
  PAS_JACK_FUNCTIONS(PAS_JACK_RESOLVE)
  PAS_JACK_PROCEDURES(PAS_JACK_PROCEDURE_RESOLVE)
#undef PAS_JACK_RESOLVE
#undef PAS_JACK_PROCEDURE_RESOLVE
  /* a libjack without one of them counts as none; it stays loaded (dlclose
   * of a library that may have started threads is not safe) */
  if (ok) jack.library = library;
}

static int loaded(void) {
  pthread_once(&jack_once, load_once);
  return jack.library != NULL;
}

int pas_jack_load(char *error, size_t error_size) {
  if (loaded()) return 1;
  snprintf(error, error_size, "%s", jack.error);
  return 0;
}

/* The extra arguments after status come in the order of the options that
 * take one (jack/types.h): server name, load name, load init, session id. */
jack_client_t *jack_client_open(const char *client_name, jack_options_t options,
                                jack_status_t *status, ...) {
  if (!loaded()) {
    if (status != NULL) *status = (jack_status_t)(JackFailure | JackServerFailed);
    return NULL;
  }
  const char *extra[4] = {NULL, NULL, NULL, NULL};
  const int takes[4] = {JackServerName, JackLoadName, JackLoadInit, JackSessionID};
  int count = 0;
  va_list ap;
  va_start(ap, status);
  for (int k = 0; k < 4; k++) {
    if (options & takes[k]) extra[count++] = va_arg(ap, const char *);
  }
  va_end(ap);
  return jack.jack_client_open(client_name, options, status, extra[0], extra[1], extra[2],
                               extra[3]);
}

#define PAS_JACK_FORWARD(result, name, parameters, arguments, missing) \
  result name parameters {                                             \
    if (!loaded()) return missing;                                     \
    return jack.name arguments;                                        \
  }
#define PAS_JACK_PROCEDURE_FORWARD(name, parameters, arguments) \
  void name parameters {                                        \
    if (loaded()) jack.name arguments;                          \
  }
PAS_JACK_FUNCTIONS(PAS_JACK_FORWARD)
PAS_JACK_PROCEDURES(PAS_JACK_PROCEDURE_FORWARD)
