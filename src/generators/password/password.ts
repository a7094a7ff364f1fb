import { randomInt } from 'node:crypto';

/** The symbol set of the External Secrets Operator (and go-password) when none is given. */
export const defaultSymbolCharacters = '~!@#$%^&*()_+`-={}|[]\\:"<>?,./';

const digitCharacters = [...'0123456789'];
const lowerCharacters = [...'abcdefghijklmnopqrstuvwxyz'];
const upperCharacters = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZ'];
const letterOrDigit = /[A-Za-z0-9]/;

/** Resolved options of one password: every count is explicit. */
export interface PasswordOptions {
  /** Characters in the password. */
  length: number;
  /** Exactly this many digits. */
  digits: number;
  /** Exactly this many characters from `symbolCharacters`. */
  symbols: number;
  /** The symbol set; duplicates are ignored. Must not contain ASCII letters or digits. */
  symbolCharacters: string;
  /** Letters are lowercase only when true. */
  noUpper: boolean;
  /** When false, no character appears twice in the password. */
  allowRepeat: boolean;
}

/** A reason why options cannot produce a password, with the spec field to blame. */
export interface PasswordProblem {
  field: 'length' | 'digits' | 'symbols' | 'symbolCharacters';
  message: string;
}

/** The distinct characters of a symbol set, by code point. */
function symbolPool(symbolCharacters: string): string[] {
  return [...new Set(symbolCharacters)];
}

function letterPool(noUpper: boolean): string[] {
  return noUpper ? lowerCharacters : [...lowerCharacters, ...upperCharacters];
}

function tooMany(field: PasswordProblem['field'], wanted: string, available: string) {
  const message = `${wanted} but only ${available} exist; set allowRepeat to true or ask for fewer`;
  return { field, message };
}

function findRepeatProblem(options: PasswordOptions, letters: number): PasswordProblem | undefined {
  const digits = digitCharacters.length;
  if (options.digits > digits) {
    return tooMany('digits', `digits is ${options.digits}`, `${digits} distinct digits`);
  }
  const symbols = symbolPool(options.symbolCharacters).length;
  if (options.symbols > symbols) {
    const available = `${symbols} distinct symbolCharacters`;
    return tooMany('symbols', `symbols is ${options.symbols}`, available);
  }
  const available = letterPool(options.noUpper).length;
  if (letters > available) {
    const wanted = `the rest of length needs ${letters} letters`;
    return tooMany('length', wanted, `${available} distinct letters`);
  }
  return undefined;
}

/**
 * Explains why options cannot produce a password, or returns undefined when they can.
 * Checked by the spec schema and again before every generation.
 */
export function findPasswordProblem(options: PasswordOptions): PasswordProblem | undefined {
  const { length, digits, symbols, symbolCharacters } = options;
  if (digits + symbols > length) {
    const message = `digits (${digits}) plus symbols (${symbols}) exceed length (${length})`;
    return { field: 'length', message };
  }
  if (letterOrDigit.test(symbolCharacters)) {
    const message = 'symbolCharacters must not contain ASCII letters or digits';
    return { field: 'symbolCharacters', message };
  }
  if (symbols > 0 && symbolCharacters.length === 0) {
    return {
      field: 'symbolCharacters',
      message: 'symbols are requested but symbolCharacters is empty',
    };
  }
  return options.allowRepeat ? undefined : findRepeatProblem(options, length - digits - symbols);
}

function swap(items: string[], first: number, second: number): void {
  const held = items[first] as string;
  items[first] = items[second] as string;
  items[second] = held;
}

/**
 * Draws `count` characters from `pool`: independently when repeats are allowed, else a
 * partial Fisher–Yates shuffle of a copy, so every subset is equally likely.
 * `randomInt` rejects biased draws itself, so no modulo bias creeps in.
 */
function draw(pool: readonly string[], count: number, allowRepeat: boolean): string[] {
  if (allowRepeat) {
    return Array.from({ length: count }, () => pool[randomInt(pool.length)] as string);
  }
  const items = [...pool];
  for (let index = 0; index < count; index += 1) {
    swap(items, index, index + randomInt(items.length - index));
  }
  return items.slice(0, count);
}

/** Shuffles in place with Fisher–Yates on a cryptographically secure source. */
function shuffle(items: string[]): void {
  for (let index = items.length - 1; index > 0; index -= 1) {
    swap(items, index, randomInt(index + 1));
  }
}

/**
 * Generates one password from a cryptographically secure source: exactly `digits` digits,
 * exactly `symbols` symbols, letters for the rest, in a uniformly random order.
 *
 * @throws RangeError when the options cannot be satisfied (see {@link findPasswordProblem}).
 */
export function generatePassword(options: PasswordOptions): string {
  const problem = findPasswordProblem(options);
  if (problem) {
    throw new RangeError(`invalid password options: ${problem.message}`);
  }

  const letters = options.length - options.digits - options.symbols;
  const characters = [
    ...draw(digitCharacters, options.digits, options.allowRepeat),
    ...draw(symbolPool(options.symbolCharacters), options.symbols, options.allowRepeat),
    ...draw(letterPool(options.noUpper), letters, options.allowRepeat),
  ];
  shuffle(characters);
  return characters.join('');
}
