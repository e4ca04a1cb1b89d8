/**
 * The command line as sox users type it, made regular for oclif's parser:
 * attached values (`-c1`, `-r48k`, `-e=pcm_16`, `-d=10`, `-n=480k`) and
 * separate ones (`-c 1`) both become `--channels=1`, so a value that starts
 * with '-' is never mistaken for a flag. `-p`/`--pad` without a value means
 * -1 (pad automatically), as in the original. Pure: no I/O.
 */

/** Short flags that take a value, by their long names. */
export const valueFlags: Readonly<Record<string, string>> = {
  b: 'blocksize',
  c: 'channels',
  D: 'device',
  d: 'duration',
  e: 'encoding',
  f: 'format',
  m: 'map',
  n: 'frames',
  o: 'offset',
  p: 'pad',
  r: 'rate',
  t: 'file_type',
}

/** Short flags without a value. */
export const booleanFlags: Readonly<Record<string, string>> = {
  h: 'help',
  l: 'list',
  q: 'quiet',
}

/** Long flags that take a value (besides those of {@link valueFlags}). */
const otherLongValueFlags = ['buffersize', 'endian']
/** Accepted spellings of long flags, mapped to the one oclif knows. */
const longAliases: Readonly<Record<string, string>> = { 'file-type': 'file_type', type: 'file_type', 'fatal-xrun': 'fatal-xruns' }

const longValueFlags = new Set([...Object.values(valueFlags), ...otherLongValueFlags])

/** True when `text` reads as a duration (a pad or offset value): an optional sign, digits, and the duration characters. */
export function looksLikeDuration(text: string): boolean {
  return /^[-+]?[0-9.:]+[kKmM]?s?$/.test(text)
}

/**
 * Rewrites argv: every value flag becomes `--long=value`, boolean short
 * clusters (`-ql`) are split, `-p` alone becomes `--pad=-1`. Positionals
 * and everything after `--` pass unchanged. A value flag at the end of the
 * line is left for oclif to report as missing its value.
 * @example
 * ```ts
 * normalizeArgv(['-c1', '-r48k', '-e=pcm_16', 'file.raw'])
 * // ['--channels=1', '--rate=48k', '--encoding=pcm_16', 'file.raw']
 * ```
 */
export function normalizeArgv(argv: readonly string[]): string[] {
  const out: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] as string
    if (token === '--') {
      out.push(...argv.slice(i))
      break
    }
    const takeValue = (long: string, attached: string | undefined): void => {
      if (attached !== undefined) {
        out.push(`--${long}=${attached}`)
        return
      }
      const next = argv[i + 1]
      if (long === 'pad' && (next === undefined || !looksLikeDuration(next))) {
        out.push('--pad=-1')
        return
      }
      if (next === undefined) {
        out.push(`--${long}`)
        return
      }
      out.push(`--${long}=${next}`)
      i++
    }
    if (token.startsWith('--')) {
      const eq = token.indexOf('=')
      const name = token.slice(2, eq < 0 ? undefined : eq)
      const long = longAliases[name] ?? name
      if (longValueFlags.has(long)) takeValue(long, eq < 0 ? undefined : token.slice(eq + 1))
      else out.push(eq < 0 ? `--${long}` : `--${long}${token.slice(eq)}`)
      continue
    }
    if (token.length >= 2 && token[0] === '-' && !/^-[0-9.]/.test(token)) {
      const letter = token[1] as string
      const long = valueFlags[letter]
      if (long !== undefined) {
        const rest = token.slice(2)
        takeValue(long, rest === '' ? undefined : rest.startsWith('=') ? rest.slice(1) : rest)
        continue
      }
      const cluster = token.slice(1)
      if ([...cluster].every((c) => booleanFlags[c] !== undefined)) {
        for (const c of cluster) out.push(`--${booleanFlags[c] as string}`)
        continue
      }
    }
    out.push(token)
  }
  return out
}
