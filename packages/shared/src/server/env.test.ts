import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Type } from 'typebox';
import { describe, expect, it } from 'vitest';
import { ConfigError, originList, packageVersion, parseEnv } from './env.js';

const Env = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8000 }),
  SIZE_MB: Type.Number({ exclusiveMinimum: 0, default: 100 }),
  DEBUG: Type.Boolean({ default: false }),
  LEVEL: Type.Union([Type.Literal('info'), Type.Literal('debug')], { default: 'info' }),
  KEY: Type.Optional(Type.String()),
  DIR: Type.Optional(Type.String({ keepEmpty: true })),
});

describe('parseEnv', () => {
  it('fills every default when nothing is set', () => {
    expect(parseEnv(Env, {})).toEqual({ PORT: 8000, SIZE_MB: 100, DEBUG: false, LEVEL: 'info' });
  });

  it('converts each value to its type and trims it', () => {
    expect(parseEnv(Env, { PORT: ' 0 ', SIZE_MB: '1.5', DEBUG: 'Yes', LEVEL: 'debug', KEY: ' k ', OTHER: 'ignored' })).toEqual({
      PORT: 0,
      SIZE_MB: 1.5,
      DEBUG: true,
      LEVEL: 'debug',
      KEY: 'k',
    });
    for (const word of ['0', 'false', 'no', 'OFF']) expect(parseEnv(Env, { DEBUG: word }).DEBUG).toBe(false);
  });

  it('counts a blank value as unset, except where the schema keeps it', () => {
    expect(parseEnv(Env, { PORT: '', KEY: '  ', DIR: '' })).toEqual({ PORT: 8000, SIZE_MB: 100, DEBUG: false, LEVEL: 'info', DIR: '' });
  });

  it.each([
    ['PORT', '70000', 'PORT="70000": must be <= 65535'],
    ['PORT', 'eighty', 'PORT="eighty": must be integer'],
    ['PORT', '1.5', 'PORT="1.5": must be integer'],
    ['SIZE_MB', '0', 'SIZE_MB="0": must be > 0'],
    ['SIZE_MB', 'Infinity', 'SIZE_MB="Infinity": must be number'],
    ['DEBUG', 'maybe', 'DEBUG="maybe": must be one of 1, true, yes, on, 0, false, no, off'],
    ['LEVEL', 'loud', 'LEVEL="loud": must be one of info, debug'],
  ])('refuses %s=%s with a ConfigError naming the variable', (name, value, message) => {
    expect(() => parseEnv(Env, { [name]: value })).toThrow(ConfigError);
    expect(() => parseEnv(Env, { [name]: value })).toThrow(message);
  });

  it('names every wrong variable at once', () => {
    expect(() => parseEnv(Env, { PORT: 'x', SIZE_MB: '-1' })).toThrow('PORT="x": must be integer; SIZE_MB="-1": must be > 0');
  });
});

describe('originList', () => {
  it('reads a comma-separated list and refuses a non-origin as a ConfigError', () => {
    expect(originList(' https://a.example , http://b.example:8080 ', 'ORIGINS')).toEqual(['https://a.example', 'http://b.example:8080']);
    expect(() => originList('https://a.example/path', 'ORIGINS')).toThrow(ConfigError);
  });
});

describe('packageVersion', () => {
  it("reads the package's version, or 0.0.0 without a package.json", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'oko-version-'));
    try {
      expect(packageVersion(dir)).toBe('0.0.0');
      await writeFile(path.join(dir, 'package.json'), '{"version":"1.2.3"}');
      expect(packageVersion(dir)).toBe('1.2.3');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
