/** The metrics package: reducers, histograms, dead-unit tracking, mean-field theory, the recorder. */
export * from './types.js';
export * from './events.js';
export * from './reducers.js';
export * from './histogram.js';
export * from './dead.js';
export * from './theory.js';
export * from './recorder.js';
