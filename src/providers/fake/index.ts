export { createFakeProvider, fakeProvider } from './fake-provider.js';
export { fakeProviderSchema, type FakeProviderSpec } from './schema.js';
