export { ExternalKeystoneProvider } from './external-provider';
export { KeystoneClient } from './keystone-client';
export type { KeystoneSettings, KeystoneToken } from './keystone-client';
export { eventMatches, TokenCache } from './token-cache';
export type { RevocationEvent, ValidatedToken } from './token-cache';
