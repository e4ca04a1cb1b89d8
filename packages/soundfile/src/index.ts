/**
 * @pastream/soundfile: libsndfile for Node. Read and write sound files as
 * interleaved typed arrays of pastream's dtypes, by path, file descriptor
 * or '-' (stdin/stdout), with the disk work off the event loop.
 */
export {
  SoundFile,
  pipeWritableFormats,
  pipeReadableFormats,
  pipeUnreadableFormats,
  type SoundFileMode,
  type SoundFileOptions,
  type SoundFileTarget,
  type ReadOptions,
  type WriteOptions,
  type BlocksOptions,
  type Whence,
} from './sound-file.js'
export {
  availableFormats,
  availableSubtypes,
  checkFormat,
  defaultSubtype,
  formatFromExtension,
  formatCodes,
  subtypeCodes,
  endianCodes,
  type FormatName,
  type SubtypeName,
  type EndianName,
} from './formats.js'
export { SoundFileError, type SoundFileErrorInfo } from './errors.js'
export { recordToFile, playFromFile, type FilePumpOptions, type PlayFromFileOptions } from './file-connection.js'
export type { FilePump } from './pumps.js'
export {
  finalizeOnSignals,
  finalizeRecordings,
  activeRecordings,
  type FinalizeOnSignalsOptions,
  type FinalSignal,
} from './recordings.js'
import { native } from './binding.js'

/** libsndfile's version string, e.g. 'libsndfile-1.2.0'. */
export function libsndfileVersion(): string {
  return native().version()
}
export {
  SoundFileInputStream,
  SoundFileOutputStream,
  SoundFileDuplexStream,
  fromFile,
  toFile,
  type ToFileOptions,
  type RecordFileOptions,
  type PlayFileOptions,
  type SoundFileInputStreamOptions,
  type SoundFileOutputStreamOptions,
  type SoundFileDuplexStreamOptions,
  type FileMapOptions,
} from './file-streams.js'
export { pickSubtype, dtypeForSubtype, recordingEncoding } from './record-format.js'
export { missingOpenOptions, type HeaderOption } from './open-plan.js'
