export {
  createUUIDGenerator,
  uuidGenerator,
  uuidSpecSchema,
  type UUIDSpec,
} from './uuid-generator.js';
