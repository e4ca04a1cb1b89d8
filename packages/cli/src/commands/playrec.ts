/**
 * `pastream [input] [output]`: play a file, record one, or both at once
 * (the default command: `pastream in.wav out.wav` runs `pastream playrec
 * in.wav out.wav`). The command parses flags, calls session.ts and prints;
 * its result is the `--json` output.
 */
import { Args, Flags } from '@oclif/core'
import { exitCodes, exitCodesHelp } from '../exit-codes.js'
import { PastreamCommand } from '../base-command.js'
import type { PlayrecSummary } from '../session.js'
import { listDevices, type DeviceListing } from '../device-listing.js'

export default class Playrec extends PastreamCommand {
  static override summary = 'Play a file, record a file, or both at once (full duplex).'

  static override description = `Cross-platform audio playback and capture through PortAudio, with the files streamed by libsndfile on native threads.

INPUT is played, OUTPUT is recorded; give both for full duplex. '-' reads from stdin or writes to stdout (AU by default when writing, since WAV cannot be written to a pipe). 'null', '^' or an empty string means none. An input with a header (WAV, AU, AIFF, FLAC...) is read by its header: -t, -e and --endian for the input matter only for RAW, so a single -t names the output's type. When the reader of stdout goes away (| head), pastream stops quietly and exits 0.

Sizes take k (1e3), K (1024), m (1e6) and M (1024^2) suffixes. Durations are [[h:]m:]s, or samples with an 's' suffix (4800s). Pairs (first[,second]) apply to the input file, then the output file; one value applies to both, and null, ^ or an empty field skips a side.

Other commands: 'pastream devices' (the device table, --json), 'pastream loopback' (a virtual loopback device to test against), 'pastream plugins' (oclif plugins), 'pastream autocomplete'.

${exitCodesHelp}`

  static override usage = ['[INPUT] [OUTPUT] [FLAGS]', 'devices [--json]', 'loopback [-c CHANNELS] [-r RATE]']

  static override examples = [
    { description: 'List the audio devices', command: '<%= config.bin %> -l' },
    { description: 'Play and record at once on the default device', command: '<%= config.bin %> input.wav output.wav' },
    { description: 'Pipe input from sox using the AU format', command: 'sox -n -t au - synth 5 sine 440 | <%= config.bin %> - output.wav' },
    { description: 'Play a RAW file', command: '<%= config.bin %> -c1 -r48k -e=pcm_16 file.raw' },
    { description: 'Record 10 seconds of audio at 48 kHz', command: '<%= config.bin %> null output.wav -r48k -n=480k' },
    { description: 'Loop a file for a minute, swapping its two channels', command: '<%= config.bin %> input.wav --loop -d 1:00 -m 2,1' },
  ]

  static override args = {
    // ignoreStdin: oclif would otherwise read stdin (the audio) as the value of an argument left out
    input: Args.string({ description: "file to play ('-' = stdin, 'null' = none)", required: false, ignoreStdin: true }),
    output: Args.string({ description: "file to record ('-' = stdout, 'null' = none)", required: false, ignoreStdin: true }),
  }

  static override enableJsonFlag = true

  static override flags = {
    list: Flags.boolean({ char: 'l', description: 'List the audio devices and exit.', helpGroup: 'GENERAL' }),
    quiet: Flags.boolean({ char: 'q', description: "Don't print any status information.", helpGroup: 'GENERAL' }),
    debug: Flags.boolean({ description: 'Print stack traces with errors (also: DEBUG=1).', helpGroup: 'GENERAL' }),
    buffersize: Flags.string({ description: 'File buffering (ring) size in frames, a power of 2 (default: >= 1 s of audio).', helpGroup: 'PLAYBACK/RECORD' }),
    loop: Flags.boolean({ description: 'Loop the playback (until --duration, or Ctrl-C).', helpGroup: 'PLAYBACK/RECORD' }),
    duration: Flags.string({ char: 'd', description: 'Stop after this long: [[h:]m:]s, or samples with an s suffix (1ks = 1000 frames).', helpGroup: 'PLAYBACK/RECORD' }),
    frames: Flags.string({ char: 'n', description: 'Stop after this many frames (480k = 480000).', helpGroup: 'PLAYBACK/RECORD' }),
    'fatal-xruns': Flags.boolean({ description: `Stop at the first xrun, finalize the files and exit ${exitCodes.xrun}.`, helpGroup: 'PLAYBACK/RECORD' }),
    offset: Flags.string({ char: 'o', description: 'Drop this much from the start of the recording (duration).', helpGroup: 'PLAYBACK/RECORD' }),
    pad: Flags.string({ char: 'p', description: 'Play this much silence after the input (duration). Alone, or negative: pad automatically up to --duration (or forever).', helpGroup: 'PLAYBACK/RECORD' }),
    blocksize: Flags.string({ char: 'b', description: 'PortAudio frames per callback; 0 or none lets the host decide (recommended).', helpGroup: 'AUDIO DEVICE' }),
    channels: Flags.string({ char: 'c', description: 'Channels: in[,out] (the played file, the recorded file).', helpGroup: 'AUDIO DEVICE' }),
    device: Flags.string({ char: 'D', description: "Device(s): index or part of the name, in[,out] (default: PortAudio's default devices).", helpGroup: 'AUDIO DEVICE' }),
    format: Flags.string({ char: 'f', description: 'Sample format of the device stream: float32, int32, int24, int16, int8, uint8 (pair allowed).', helpGroup: 'AUDIO DEVICE' }),
    map: Flags.string({ char: 'm', multiple: true, description: 'Channel map CHIN[:CHOUT][,...], 1-based (2,1 swaps). Give one, or two: output map, then input map.', helpGroup: 'AUDIO DEVICE' }),
    rate: Flags.string({ char: 'r', description: 'Sample rate in Hz; k suffix for kHz (48k).', helpGroup: 'AUDIO DEVICE' }),
    file_type: Flags.string({ char: 't', description: "File type(s), e.g. wav, flac, au, raw (required for RAW without a .raw name; an input with a header is read by its header; see 'pastream devices --formats').", helpGroup: 'AUDIO FILE (single values or pairs)' }),
    encoding: Flags.string({ char: 'e', description: 'Sample encoding(s), e.g. pcm_16, pcm_24, float (default: from the device format).', helpGroup: 'AUDIO FILE (single values or pairs)' }),
    endian: Flags.string({ description: 'Endianness: file, little, big or cpu (pair allowed).', helpGroup: 'AUDIO FILE (single values or pairs)' }),
  }

  async run(): Promise<PlayrecSummary | DeviceListing | undefined> {
    const { args, flags } = await this.parse(Playrec)
    if (flags.list) return listDevices(this.jsonEnabled())
    const { playrec } = await import('../session.js')
    const toStdout = args.output === '-'
    if (toStdout && flags.json) throw Object.assign(new Error('--json: stdout carries the audio when the output is -'), { name: 'UsageError' })
    const summary = await playrec(args.input, args.output, flags, {
      info: toStdout ? process.stderr : process.stdout,
      quiet: flags.quiet || this.jsonEnabled(),
    })
    if (summary.ended === 'SIGINT') process.exitCode = exitCodes.sigint
    else if (summary.ended === 'SIGTERM') process.exitCode = exitCodes.sigterm
    else if (summary.ended === 'fatal-xrun') {
      process.stderr.write(`pastream: xrun under --fatal-xruns: stopped after ${summary.frames} frames (${summary.seconds.toFixed(3)} s); the files are finalized\n`)
      process.exitCode = exitCodes.xrun
    }
    return summary
  }

}
