import { describeWorldConformance } from '@worldkit/world-testing';
import { conformance } from './conformance-target.js';

// Every area of the suite, each on its own key prefix; child processes open the same module.
describeWorldConformance({ name: 'redis', setup: (area) => conformance.setup(area) });
