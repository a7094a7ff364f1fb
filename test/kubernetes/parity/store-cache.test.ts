import { describeInKubernetesMode } from './run-suite.js';

describeInKubernetesMode('store-cache');
