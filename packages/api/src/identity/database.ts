import { Token } from '@zun/common';
import type { Sequelize } from 'sequelize';

/**
 * The connection openDatabase() bound the identity models to. Identity code takes it from the
 * models instead of as a parameter so that it can never query a different database than the
 * models it also uses.
 */
export function identityDatabase(): Sequelize {
  const sequelize = Token.sequelize;
  if (!sequelize) throw new Error('identity models are not initialised: call openDatabase() first');
  return sequelize;
}
