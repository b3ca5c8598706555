import { randomUUID } from 'node:crypto';
import { Container, Project } from '@zun/common';
import { DEFAULT_DOMAIN, resolveDomainId } from '../domain';
import { conflict, KeystoneError, notFound } from '../keystone-error';
import type { ProjectSummary } from '../local-provider';
import type { ProjectInput } from '../routes/bodies';
import { identityWrite } from './guard';

/** Keystone-style ids: uuid4 as 32 hex digits. */
export const newId = (): string => randomUUID().replace(/-/g, '');

export const projectNotFound = (id: string): KeystoneError => notFound(`Could not find project: ${id}.`);
export const domainNotFound = (id: string): KeystoneError => notFound(`Could not find domain: ${id}.`);

export function summary(p: Project): ProjectSummary {
  return { id: p.id, name: p.name, domainId: p.domain_id, description: p.description, enabled: p.enabled };
}

export interface ProjectFilters {
  name?: string;
  domainId?: string;
  enabled?: boolean;
}

export async function listProjects(filters: ProjectFilters): Promise<Project[]> {
  return Project.findAll({
    where: {
      ...(filters.name !== undefined ? { name: filters.name } : {}),
      ...(filters.domainId !== undefined ? { domain_id: filters.domainId } : {}),
      ...(filters.enabled !== undefined ? { enabled: filters.enabled } : {}),
    },
    order: [['name', 'ASC']],
  });
}

export async function getProject(id: string): Promise<Project> {
  const project = await Project.findByPk(id);
  if (!project) throw projectNotFound(id);
  return project;
}

const duplicate = (name: string, domainId: string) =>
  conflict('project', `Duplicate entry found with name ${name} at domain ID ${domainId}`);

export async function createProject(input: ProjectInput): Promise<Project> {
  const domainId = input.domainId === undefined ? DEFAULT_DOMAIN.id : resolveDomainId({ id: input.domainId });
  if (!domainId) throw domainNotFound(input.domainId ?? '');
  const name = input.name ?? '';
  return identityWrite(async (transaction) => {
    if (await Project.findOne({ where: { name, domain_id: domainId }, transaction }))
      throw duplicate(name, domainId);
    return Project.create(
      {
        id: newId(),
        name,
        domain_id: domainId,
        description: input.description ?? '',
        enabled: input.enabled ?? true,
      },
      { transaction },
    );
  });
}

export async function updateProject(id: string, input: ProjectInput): Promise<Project> {
  return identityWrite(async (transaction) => {
    const project = await Project.findByPk(id, { transaction });
    if (!project) throw projectNotFound(id);
    if (input.name !== undefined && input.name !== project.name) {
      const clash = await Project.findOne({
        where: { name: input.name, domain_id: project.domain_id },
        transaction,
      });
      if (clash) throw duplicate(input.name, project.domain_id);
      project.name = input.name;
    }
    if (input.description !== undefined) project.description = input.description;
    if (input.enabled !== undefined) project.enabled = input.enabled;
    return project.save({ transaction });
  });
}

/**
 * Deletes the project with its role assignments and tokens. Refused (409) while any container
 * row (containers and capsules alike) still belongs to it: those would run on with nobody able
 * to reach, stop or delete them.
 */
export async function deleteProject(id: string): Promise<void> {
  await identityWrite(async (transaction) => {
    const project = await Project.findByPk(id, { transaction, lock: transaction.LOCK.UPDATE });
    if (!project) throw projectNotFound(id);
    const owned = await Container.count({ where: { project_id: id }, transaction });
    if (owned > 0) {
      const what = owned === 1 ? '1 container' : `${owned} containers`;
      throw new KeystoneError(
        409,
        `Cannot delete project ${project.name} (${id}): it still owns ${what}. Delete them first.`,
      );
    }
    await project.destroy({ transaction });
  });
}
