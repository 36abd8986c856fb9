import { worldkitRedis } from '../../e2e/src/harness/targets.js';
import { upstream5xSuite } from '../src/upstream-suite.js';

upstream5xSuite(worldkitRedis);
