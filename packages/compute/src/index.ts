export * from './agent';
export * from './docker/engine';
export * from './docker/errors';
export * from './docker/status';
