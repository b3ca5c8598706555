export * from './proxy';
export * from './origin';
export * from './utf8';
