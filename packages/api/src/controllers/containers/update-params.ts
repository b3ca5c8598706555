import type { ZunConfig } from '@zun/common';
import type { UpdateChange } from '../../compute/commands/update';
import { parseBool } from '../../validation/schema';
import { rangeCheck } from './params';

/** A PATCH body that passed updateBodySchema → the change, with create's ranges enforced. */
export function updateChange(body: Record<string, unknown>, config: ZunConfig): UpdateChange {
  const limits = config.container;
  const change: UpdateChange = {};
  if (typeof body.name === 'string') change.name = body.name;
  if (body.cpu !== undefined && body.cpu !== null && body.cpu !== '') {
    change.cpu = Number(body.cpu);
    rangeCheck('cpu', change.cpu, limits.minimumCpus, limits.maximumCpus);
  }
  if (body.memory !== undefined && body.memory !== null) {
    const memory = Number(body.memory);
    rangeCheck('memory', memory, limits.minimumMemory, limits.maximumMemory, ' MiB');
    change.memory = String(memory);
  }
  if (body.auto_heal !== undefined) change.autoHeal = parseBool('auto_heal', body.auto_heal, false);
  return change;
}
