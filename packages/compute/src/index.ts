export * from './agent';
export * from './docker/engine';
export * from './docker/status';
