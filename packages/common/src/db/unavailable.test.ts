import { ConnectionRefusedError, DatabaseError, UniqueConstraintError } from 'sequelize';
import { isDatabaseUnavailable } from './unavailable';

const pgError = (code: string): Error => Object.assign(new Error('x'), { code });
const wrapped = (code: string): DatabaseError =>
  new DatabaseError(Object.assign(pgError(code), { sql: 'SELECT 1', parameters: [] }) as never);

describe('isDatabaseUnavailable', () => {
  it('is true for a refused connection and for SQLSTATEs of a server that cannot serve', () => {
    expect(isDatabaseUnavailable(new ConnectionRefusedError(pgError('ECONNREFUSED')))).toBe(true);
    for (const code of ['57P01', '57P03', '08006', '53300'])
      expect(isDatabaseUnavailable(wrapped(code))).toBe(true);
    expect(isDatabaseUnavailable(pgError('ECONNREFUSED'))).toBe(true);
    // A connection that broke mid-query: pg's own Error, without a SQLSTATE.
    const broken = new DatabaseError(
      Object.assign(new Error('Connection terminated unexpectedly'), { sql: '' }) as never,
    );
    expect(isDatabaseUnavailable(broken)).toBe(true);
  });

  it('sees an outage through errors that wrap it as their cause', () => {
    const outage = new ConnectionRefusedError(pgError('ECONNREFUSED'));
    expect(isDatabaseUnavailable(new Error('network set-up failed', { cause: outage }))).toBe(true);
    const twice = new Error('outer', { cause: new Error('inner', { cause: wrapped('57P01') }) });
    expect(isDatabaseUnavailable(twice)).toBe(true);
    expect(isDatabaseUnavailable(new Error('outer', { cause: new Error('boom') }))).toBe(false);
  });

  it('is false for errors of the query itself', () => {
    expect(isDatabaseUnavailable(wrapped('22P02'))).toBe(false); // invalid text representation
    expect(isDatabaseUnavailable(new UniqueConstraintError({}))).toBe(false);
    expect(isDatabaseUnavailable(new Error('boom'))).toBe(false);
    expect(isDatabaseUnavailable(undefined)).toBe(false);
  });
});
