/*
 * What differs between POSIX and Windows (mingw-w64 with winpthreads) for
 * the C code of the addons, in one place:
 *
 *   pas_cond_init_monotonic / pas_cond_wait_until: a condition variable
 *     waited on until a CLOCK_MONOTONIC deadline. winpthreads refuses
 *     pthread_condattr_setclock(CLOCK_MONOTONIC) and times
 *     pthread_cond_timedwait against the wall clock, so on Windows the wait
 *     is relative (pthread_cond_timedwait_relative_np) for what is left of
 *     the monotonic deadline.
 *   pas_library_open / pas_library_symbol / pas_library_error: loading a
 *     shared library at run time (dlopen or LoadLibrary); PAS_JACK_LIBRARY,
 *     libjack's file name (JACK for Windows installs libjack64.dll).
 *   PAS_O_FILE: open(2)'s flags for a file of bytes not passed on to child
 *     processes. Windows' C runtime opens in text mode (CR LF translation)
 *     unless told O_BINARY, and says O_NOINHERIT for O_CLOEXEC.
 *   PAS_NULL_DEVICE: where discarded output goes.
 *   pas_pin_module: the calling DLL never unloaded on Windows (what
 *     binding.gyp's -Wl,-z,nodelete does on Linux: a Worker that loaded the
 *     addon unloads it at its end while other threads still run its code).
 *   pas_fd_set_blocking: a descriptor made blocking (POSIX: a pipe Node set
 *     to non-blocking; Windows' C runtime descriptors are always blocking).
 *
 * Not for the audio thread: these block or make system calls.
 */
#ifndef PASTREAM_PLATFORM_H
#define PASTREAM_PLATFORM_H

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <time.h>

#ifdef _WIN32
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#define PAS_JACK_LIBRARY "libjack64.dll"
#define PAS_O_FILE (O_BINARY | O_NOINHERIT)
#define PAS_NULL_DEVICE "NUL"
#else
#include <dlfcn.h>
#define PAS_JACK_LIBRARY "libjack.so.0"
#define PAS_O_FILE O_CLOEXEC
#define PAS_NULL_DEVICE "/dev/null"
#endif

static inline void pas_pin_module(void) {
#ifdef _WIN32
  HMODULE self;
  GetModuleHandleExA(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_PIN,
                     (LPCSTR)(void *)&pas_pin_module, &self);
#endif
}

static inline void pas_fd_set_blocking(int fd) {
#ifdef _WIN32
  (void)fd;
#else
  int flags = fcntl(fd, F_GETFL);
  if (flags >= 0 && (flags & O_NONBLOCK)) fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
#endif
}

/* 0 on success, like pthread_cond_init. */
static inline int pas_cond_init_monotonic(pthread_cond_t *cond) {
#ifdef _WIN32
  return pthread_cond_init(cond, NULL);
#else
  pthread_condattr_t attr;
  if (pthread_condattr_init(&attr) != 0) return -1;
  int result = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  if (result == 0) result = pthread_cond_init(cond, &attr);
  pthread_condattr_destroy(&attr);
  return result;
#endif
}

/* Waits for a signal until `until` (CLOCK_MONOTONIC); 0 when signalled (or
 * woken spuriously), ETIMEDOUT once the deadline has passed. */
static inline int pas_cond_wait_until(pthread_cond_t *cond, pthread_mutex_t *mutex,
                                      const struct timespec *until) {
#ifdef _WIN32
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  long long left = (long long)(until->tv_sec - now.tv_sec) * 1000000000LL +
                   (until->tv_nsec - now.tv_nsec);
  if (left <= 0) return ETIMEDOUT;
  struct timespec relative = {(time_t)(left / 1000000000LL), (long)(left % 1000000000LL)};
  return pthread_cond_timedwait_relative_np(cond, mutex, &relative);
#else
  return pthread_cond_timedwait(cond, mutex, until);
#endif
}

/* A shared library by file name, or NULL (pas_library_error says why). */
static inline void *pas_library_open(const char *name) {
#ifdef _WIN32
  return (void *)LoadLibraryA(name);
#else
  return dlopen(name, RTLD_NOW | RTLD_LOCAL);
#endif
}

static inline void *pas_library_symbol(void *library, const char *name) {
#ifdef _WIN32
  return (void *)GetProcAddress((HMODULE)library, name);
#else
  return dlsym(library, name);
#endif
}

/* Why the last pas_library_open failed, into buffer (size bytes). */
static inline const char *pas_library_error(char *buffer, size_t size) {
#ifdef _WIN32
  snprintf(buffer, size, "Windows error %lu", (unsigned long)GetLastError());
#else
  const char *error = dlerror();
  snprintf(buffer, size, "%s", error != NULL ? error : "unknown error");
#endif
  return buffer;
}

#endif
