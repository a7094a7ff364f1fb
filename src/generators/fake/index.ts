export {
  createFakeGenerator,
  fakeGenerator,
  fakeSpecSchema,
  type FakeSpec,
} from './fake-generator.js';
