/** The simple-git-hooks hook manager next to baton, in each install order (see scenario.ts). */
import { describeManager } from './describe-manager.js';

describeManager('simple-git-hooks');
