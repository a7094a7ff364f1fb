import { describeInKubernetesMode } from './run-suite.js';

describeInKubernetesMode('rate-limit');
