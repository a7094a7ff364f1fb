import { describeInKubernetesMode } from './run-suite.js';

describeInKubernetesMode('secret-store');
