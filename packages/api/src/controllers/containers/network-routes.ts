import type { Router } from 'express';
import type { Container } from '@zun/common';
import type { ComputeDeps } from '../../compute/deps';
import {
  addSecurityGroup,
  attachNetwork,
  detachNetwork,
  removeSecurityGroup,
} from '../../compute/commands/network';
import { versioned } from '../../middleware/microversion';
import { validator, type JsonSchema } from '../../validation/schema';
import { actionParams } from './action-params';
import { findContainer } from './lookup';
import { networkFromQuery } from './nets';

type Query = Record<string, string>;
const str = { type: 'string', minLength: 1, maxLength: 255 };
const attachQuerySchema: JsonSchema = {
  type: 'object',
  properties: { network: str, port: str, fixed_ip: { type: 'string' } },
  additionalProperties: false,
};
const detachQuerySchema: JsonSchema = {
  type: 'object',
  properties: { network: str, port: str },
  additionalProperties: false,
};
const sgQuerySchema: JsonSchema = {
  type: 'object',
  properties: { name: str },
  required: ['name'],
  additionalProperties: false,
};

interface Address {
  addr: string;
  version: number;
  port: string | null;
  subnet_id: string | null;
}

/** network_list entries per contract §8.17: one per port from 1.18, one per address before. */
export function networkList(c: Container, perPort: boolean): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const [net, list] of Object.entries((c.addresses ?? {}) as Record<string, Address[]>)) {
    if (perPort) {
      out.push({
        net_id: net,
        port_id: list[0]?.port ?? null,
        fixed_ips: list.map((a) => ({ ip_address: a.addr, version: a.version, subnet_id: a.subnet_id })),
      });
    } else {
      for (const a of list) {
        out.push({
          net_id: net,
          subnet_id: a.subnet_id,
          port_id: a.port,
          version: a.version,
          ip_address: a.addr,
        });
      }
    }
  }
  return out;
}

/** The container network and security-group verbs (contract §8.17–8.20). */
export function addNetworkRoutes(r: Router, deps: ComputeDeps): void {
  const attachQuery = validator<Query>(attachQuerySchema);
  const detachQuery = validator<Query>(detachQuerySchema);
  const sgQuery = validator<Query>(sgQuerySchema);

  r.get('/:ident/network_list', versioned('1.13'), async (req, res) => {
    const c = await findContainer(String(req.params.ident), req.context, 'network_list');
    res.json({ networks: networkList(c, req.apiVersion.atLeast('1.18')) });
  });

  r.post('/:ident/network_attach', versioned('1.8'), async (req, res) => {
    const network = networkFromQuery(attachQuery(actionParams(req)), 'attach');
    const c = await findContainer(String(req.params.ident), req.context, 'network_attach');
    await attachNetwork(deps, req.context, c, network);
    res.status(200).json(null);
  });

  r.post('/:ident/network_detach', versioned('1.6'), async (req, res) => {
    const network = networkFromQuery(detachQuery(actionParams(req)), 'detach');
    const c = await findContainer(String(req.params.ident), req.context, 'network_detach');
    await detachNetwork(deps, req.context, c, network);
    res.status(202).json(null);
  });

  for (const [verb, apply] of [
    ['add_security_group', addSecurityGroup],
    ['remove_security_group', removeSecurityGroup],
  ] as const) {
    r.post(`/:ident/${verb}`, versioned('1.1', '1.14'), async (req) => {
      const q = sgQuery(actionParams(req));
      const c = await findContainer(String(req.params.ident), req.context, verb);
      // Always throws: see the commands' comment on why no change is ever made.
      apply(c, q.name);
    });
  }
}
