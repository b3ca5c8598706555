export { startConsole, PUBLIC_DIR, type RunningConsole } from './server';
