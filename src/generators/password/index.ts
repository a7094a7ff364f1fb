export { encodePassword, passwordEncodings, type PasswordEncoding } from './encoding.js';
export { createPasswordGenerator, passwordGenerator } from './password-generator.js';
export {
  defaultSymbolCharacters,
  findPasswordProblem,
  generatePassword,
  type PasswordOptions,
  type PasswordProblem,
} from './password.js';
export { maxPasswordLength, passwordSpecSchema, type PasswordSpec } from './schema.js';
