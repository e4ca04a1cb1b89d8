// What stft and meter play while they listen: --playback FILE, or --tone HZ
// at --level DBFS, and the --samplerate they run at (a file to play decides
// it: the stream must run at the file's rate). Apart from common.ts so that
// the examples without --playback do not load @pastream/soundfile.
import { SoundFile } from '@pastream/soundfile'
import { numberOption, samplerateOption, usageError } from './common.js'

/** The checked playback options; `file` is open (the caller closes it). */
export interface PlaybackOptions {
  /** the --playback file */
  file: SoundFile | undefined
  /** --samplerate, else the file's, else 48000 */
  samplerate: number
  /** the --tone frequency in Hz */
  tone: number | undefined
  /** the --tone's peak level in dBFS */
  level: number
}

/**
 * Checks --level, --tone and --playback (not both) and opens the file;
 * exits 2 with the usage on a bad value, a file that cannot be opened, or a
 * --samplerate that differs from the file's.
 */
export async function playbackOptions(
  usage: string,
  values: { playback?: string | undefined; samplerate?: string | undefined; tone?: string | undefined; level: string },
): Promise<PlaybackOptions> {
  const level = numberOption(usage, 'level', values.level, (v) => v <= 0, 'a level in dBFS <= 0')
  if (values.tone !== undefined && values.playback !== undefined) usageError(usage, 'Expected --tone or --playback, not both')
  let file: SoundFile | undefined
  if (values.playback !== undefined) {
    try {
      file = await SoundFile.open(values.playback)
    } catch (error) {
      usageError(usage, (error as Error).message)
    }
  }
  let samplerate = file?.samplerate ?? 48000
  if (values.samplerate !== undefined) {
    samplerate = samplerateOption(usage, values.samplerate)
    if (file && samplerate !== file.samplerate) usageError(usage, `--samplerate ${samplerate} differs from ${values.playback}'s ${file.samplerate} Hz`)
  }
  const tone =
    values.tone === undefined ? undefined : numberOption(usage, 'tone', values.tone, (v) => v > 0 && v < samplerate / 2, `a frequency in Hz between 0 and ${samplerate / 2}`)
  return { file, samplerate, tone, level }
}
