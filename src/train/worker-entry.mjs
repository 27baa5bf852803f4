// Worker-thread entry: registers tsx in this thread (loader hooks are per thread) and runs the
// TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
