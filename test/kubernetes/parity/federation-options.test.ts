import { describeInKubernetesMode } from './run-suite.js';

describeInKubernetesMode('federation-options');
