import { describeInKubernetesMode } from './run-suite.js';

describeInKubernetesMode('audit');
