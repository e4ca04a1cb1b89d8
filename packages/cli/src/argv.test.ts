import { describe, expect, it } from 'vitest'
import { normalizeArgv } from './argv.js'
import { route } from './route.js'

describe('normalizeArgv: sox-style values', () => {
  it.each([
    [['-c1'], ['--channels=1']],
    [['-c', '1,2'], ['--channels=1,2']],
    [['-r48k'], ['--rate=48k']],
    [['-e=pcm_16'], ['--encoding=pcm_16']],
    [['-d=10'], ['--duration=10']],
    [['-n=480k'], ['--frames=480k']],
    [['-D', '-1'], ['--device=-1']],
    [['--rate', '44.1k'], ['--rate=44.1k']],
    [['--file-type', 'raw'], ['--file_type=raw']],
    [['--type=au'], ['--file_type=au']],
    [['-ql'], ['--quiet', '--list']],
    [['-m', '2,1', '-m1,2'], ['--map=2,1', '--map=1,2']],
    [['-', 'out.wav'], ['-', 'out.wav']],
    [['', 'out.wav'], ['', 'out.wav']],
    [['in.wav', '--', '-c1'], ['in.wav', '--', '-c1']],
  ])('%j -> %j', (argv, expected) => {
    expect(normalizeArgv(argv)).toEqual(expected)
  })

  it('-p alone means -1 (pad automatically); with a value it takes it', () => {
    expect(normalizeArgv(['in.wav', 'out.wav', '-p'])).toEqual(['in.wav', 'out.wav', '--pad=-1'])
    expect(normalizeArgv(['-p', 'in.wav', 'out.wav'])).toEqual(['--pad=-1', 'in.wav', 'out.wav'])
    expect(normalizeArgv(['-p', '4096s', 'in.wav'])).toEqual(['--pad=4096s', 'in.wav'])
    expect(normalizeArgv(['-p', '1:30'])).toEqual(['--pad=1:30'])
    expect(normalizeArgv(['--pad'])).toEqual(['--pad=-1'])
    expect(normalizeArgv(['-p=-1'])).toEqual(['--pad=-1'])
  })

  it('a value flag at the end is left for the parser to report', () => {
    expect(normalizeArgv(['-c'])).toEqual(['--channels'])
  })

  it('negative numbers and unknown flags pass unchanged', () => {
    expect(normalizeArgv(['-1', '-z', '--bogus=1'])).toEqual(['-1', '-z', '--bogus=1'])
  })
})

describe('route', () => {
  const commands = new Set(['devices', 'loopback', 'plugins', 'playrec'])
  const isCommand = (id: string): boolean => commands.has(id)
  it('runs the default command for files and flags', () => {
    expect(route(['in.wav', 'out.wav', '-c1'], isCommand)).toEqual(['playrec', 'in.wav', 'out.wav', '--channels=1'])
    expect(route(['-l'], isCommand)).toEqual(['playrec', '--list'])
    expect(route(['-h'], isCommand)).toEqual(['playrec', '--help'])
    expect(route(['-c1', '-r48k', '-e=pcm_16', 'file.raw'], isCommand)).toEqual(['playrec', '--channels=1', '--rate=48k', '--encoding=pcm_16', 'file.raw'])
    expect(route(['', 'out.wav'], isCommand)).toEqual(['playrec', '', 'out.wav'])
    expect(route(['playrec', '-c2', 'x.wav'], isCommand)).toEqual(['playrec', '--channels=2', 'x.wav'])
  })
  it('passes other commands, --version and root help through unchanged', () => {
    expect(route(['devices', '--json'], isCommand)).toEqual(['devices', '--json'])
    expect(route(['plugins', 'link', '-h'], isCommand)).toEqual(['plugins', 'link', '-h'])
    expect(route(['--version'], isCommand)).toEqual(['--version'])
    expect(route([], isCommand)).toEqual([])
    expect(route(['./devices'], isCommand)).toEqual(['playrec', './devices'])
  })
})
