import { describeWorldConformance } from '@worldkit/world-testing';
import { conformance } from './conformance-target.js';

// Every area of the Worldkit conformance suite, each on its own schema.
describeWorldConformance({ name: 'world-postgres', setup: conformance.setup });
