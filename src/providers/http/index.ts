export { BackendHttpClient } from './backend-http-client.js';
export type { BackendHttpOptions, BackendRequest, BackendResponse } from './backend-http-client.js';
