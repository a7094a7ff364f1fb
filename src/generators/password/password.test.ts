import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  defaultSymbolCharacters,
  findPasswordProblem,
  generatePassword,
  type PasswordOptions,
} from './password.js';

const defaults: PasswordOptions = {
  length: 24,
  digits: 6,
  symbols: 6,
  symbolCharacters: defaultSymbolCharacters,
  noUpper: false,
  allowRepeat: false,
};

function countClasses(password: string, symbolCharacters: string) {
  const chars = [...password];
  return {
    digits: chars.filter((char) => /[0-9]/.test(char)).length,
    symbols: chars.filter((char) => symbolCharacters.includes(char)).length,
    lower: chars.filter((char) => /[a-z]/.test(char)).length,
    upper: chars.filter((char) => /[A-Z]/.test(char)).length,
  };
}

describe('generatePassword', () => {
  it('has exactly the requested length, digits and symbols on every run', () => {
    for (let run = 0; run < 500; run += 1) {
      const password = generatePassword(defaults);
      const counts = countClasses(password, defaultSymbolCharacters);
      assert.equal([...password].length, 24);
      assert.equal(counts.digits, 6);
      assert.equal(counts.symbols, 6);
      assert.equal(counts.lower + counts.upper, 12);
    }
  });

  it('never repeats a character when allowRepeat is false', () => {
    const options = { ...defaults, length: 60, digits: 10, symbols: 20 };
    for (let run = 0; run < 200; run += 1) {
      const password = generatePassword(options);
      assert.equal(new Set(password).size, password.length, password);
    }
  });

  it('reaches every symbol, digit and letter over many runs', () => {
    const seen = new Set<string>();
    for (let run = 0; run < 500; run += 1) {
      for (const char of generatePassword(defaults)) {
        seen.add(char);
      }
    }
    const expected = [...defaultSymbolCharacters, ...'0123456789abcdefghijklmnopqrstuvwxyz'];
    for (const char of [...expected, ...'ABCDEFGHIJKLMNOPQRSTUVWXYZ']) {
      assert.ok(seen.has(char), `never produced ${char}`);
    }
  });

  it('places digits and symbols at every position, not only at the start', () => {
    const digitPositions = new Set<number>();
    for (let run = 0; run < 300; run += 1) {
      [...generatePassword(defaults)].forEach((char, position) => {
        if (/[0-9]/.test(char)) digitPositions.add(position);
      });
    }
    assert.equal(digitPositions.size, 24);
  });

  it('uses lowercase letters only with noUpper', () => {
    for (let run = 0; run < 100; run += 1) {
      const counts = countClasses(generatePassword({ ...defaults, noUpper: true }), '');
      assert.equal(counts.upper, 0);
      assert.equal(counts.lower, 12);
    }
  });

  it('draws symbols only from symbolCharacters', () => {
    const password = generatePassword({ ...defaults, symbolCharacters: '#%', symbols: 2 });
    assert.equal(countClasses(password, '#%').symbols, 2);
    assert.ok(password.includes('#') && password.includes('%'));
  });

  it('allows repeats beyond the distinct characters with allowRepeat', () => {
    const options = { ...defaults, length: 40, digits: 40, symbols: 0, allowRepeat: true };
    assert.match(generatePassword(options), /^[0-9]{40}$/);
  });

  it('makes a password without digits or symbols when both are zero', () => {
    assert.match(generatePassword({ ...defaults, digits: 0, symbols: 0 }), /^[A-Za-z]{24}$/);
  });

  it('throws a RangeError for options it cannot satisfy', () => {
    assert.throws(() => generatePassword({ ...defaults, digits: 20, symbols: 10 }), RangeError);
  });
});

describe('findPasswordProblem', () => {
  it('accepts the defaults', () => {
    assert.equal(findPasswordProblem(defaults), undefined);
  });

  it('rejects more digits plus symbols than the length', () => {
    assert.equal(findPasswordProblem({ ...defaults, digits: 20, symbols: 5 })?.field, 'length');
  });

  it('rejects more distinct digits, symbols or letters than exist without allowRepeat', () => {
    assert.equal(findPasswordProblem({ ...defaults, digits: 11 })?.field, 'digits');
    const symbols = { ...defaults, symbols: 3, symbolCharacters: '!!@' };
    assert.match(findPasswordProblem(symbols)?.message ?? '', /2 distinct symbolCharacters/);
    const letters = { ...defaults, length: 30, digits: 0, symbols: 0, noUpper: true };
    assert.match(findPasswordProblem(letters)?.message ?? '', /needs 30 letters .* 26 distinct/);
  });

  it('accepts the same counts with allowRepeat', () => {
    assert.equal(findPasswordProblem({ ...defaults, digits: 11, allowRepeat: true }), undefined);
  });

  it('rejects letters or digits among symbolCharacters', () => {
    const problem = findPasswordProblem({ ...defaults, symbolCharacters: '!a' });
    assert.equal(problem?.field, 'symbolCharacters');
  });

  it('rejects symbols with an empty symbolCharacters', () => {
    const problem = findPasswordProblem({ ...defaults, symbolCharacters: '', allowRepeat: true });
    assert.equal(problem?.field, 'symbolCharacters');
    assert.equal(findPasswordProblem({ ...defaults, symbolCharacters: '', symbols: 0 }), undefined);
  });
});
