import { TASK_ACTIONS } from '@zun/common';
import { TASK_HANDLERS, runTask } from './task-handlers';

describe('task handlers', () => {
  it('has exactly one command for every action the API can queue', () => {
    expect(Object.keys(TASK_HANDLERS).sort()).toEqual([...TASK_ACTIONS].sort());
  });

  it('refuses an action it does not know, including inherited property names', () => {
    for (const action of ['resize', 'toString', '__proto__']) {
      expect(() => runTask(action, {} as never, {} as never, {}, {} as never)).toThrow(
        `unknown task action ${action}`,
      );
    }
  });
});
