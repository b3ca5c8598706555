import { readableError } from './api';

describe('readableError: every API error as a sentence', () => {
  it("reads Zun's envelope, Keystone's, and falls back to the status line", () => {
    const zun = JSON.stringify({
      errors: [{ status: 409, title: 'Conflict', detail: 'Cannot stop container in Stopped state.' }],
    });
    expect(readableError(409, 'Conflict', zun)).toBe('Cannot stop container in Stopped state.');
    const keystone = JSON.stringify({
      error: { code: 401, message: 'The request you have made requires authentication.' },
    });
    expect(readableError(401, 'Unauthorized', keystone)).toBe(
      'The request you have made requires authentication.',
    );
    expect(readableError(502, 'Bad Gateway', '<html>oops</html>')).toBe('502 Bad Gateway: <html>oops</html>');
    expect(readableError(500, '', '')).toBe('500 error');
  });
});
