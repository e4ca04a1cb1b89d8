/*
 * The virtual loopback device: a JACK client named after the device whose
 * input ports (playback_N) are copied to its output ports (capture_N) every
 * period. PortAudio's JACK host API lists it as a device with N inputs and N
 * outputs; a stream opened on it hears what it plays, bit-exactly, one JACK
 * period later. libjack is loaded on first use (jack_shim.h), so the addon
 * needs no JACK at load time.
 *
 * Threads: open/close from one thread (the JS thread); the copy runs on
 * JACK's process thread and touches only the client's own ports.
 * Pair pas_loopback_open ... pas_loopback_close.
 */
#ifndef PASTREAM_JACK_LOOPBACK_H
#define PASTREAM_JACK_LOOPBACK_H

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pas_loopback pas_loopback_t;

/* Opens the client on the named JACK server (never starts one). On failure
 * returns NULL and writes a message into error (size error_size). */
pas_loopback_t *pas_loopback_open(const char *server_name, const char *client_name,
                                  int channels, char *error, int error_size);

/* JACK's sample rate and period for an open client. */
unsigned pas_loopback_samplerate(const pas_loopback_t *loopback);
unsigned pas_loopback_period(const pas_loopback_t *loopback);

/* Deactivates and closes the client; NULL is a no-op. A client whose
 * server went away is left open (libjack may crash closing it). */
void pas_loopback_close(pas_loopback_t *loopback);

#ifdef __cplusplus
}
#endif

#endif
