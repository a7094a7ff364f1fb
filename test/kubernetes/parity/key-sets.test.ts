import { describeInKubernetesMode } from './run-suite.js';

describeInKubernetesMode('key-sets');
