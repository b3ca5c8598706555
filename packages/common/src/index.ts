export * from './config';
export * from './contract';
export * from './errors';
export * from './listen';
export * from './logging';
export * from './states';
export * from './db';
export * from './websocket';
