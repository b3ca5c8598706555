import { randomInt } from 'node:crypto';

const GREEK = [
  'alpha',
  'beta',
  'gamma',
  'delta',
  'epsilon',
  'zeta',
  'eta',
  'theta',
  'iota',
  'kappa',
  'lambda',
  'mu',
  'nu',
  'xi',
  'omicron',
  'pi',
  'rho',
  'sigma',
  'tau',
  'upsilon',
  'phi',
  'chi',
  'psi',
  'omega',
];

/** Upstream's generated container names: `<greek letter>-<1..24>-container`. */
export function generateContainerName(): string {
  return `${GREEK[randomInt(GREEK.length)]}-${randomInt(1, 25)}-container`;
}

/** Upstream's names of capsule members: `capsule-<capsule name or uuid>-<greek letter>-<1..24>`. */
export function generateCapsuleMemberName(capsule: string): string {
  return `capsule-${capsule}-${GREEK[randomInt(GREEK.length)]}-${randomInt(1, 25)}`;
}
