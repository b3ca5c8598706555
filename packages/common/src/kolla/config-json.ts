import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors';

/**
 * The Kolla container start-up contract: a host directory mounted read-only at
 * /var/lib/kolla/config_files/ holds config.json and the rendered files it names. As root, the
 * entrypoint copies each file to its destination with the owner and mode given, fixes the
 * ownership of the paths listed under `permissions`, and records the command; then it drops to
 * the unprivileged user and runs that command. The image carries no configuration and no
 * secrets; the operator's directory does.
 */
export interface ConfigFile {
  source: string;
  dest: string;
  owner: string;
  perm: string;
  /** A missing source is skipped instead of stopping the start. */
  optional: boolean;
}

export interface Permission {
  path: string;
  owner: string;
  recurse: boolean;
}

export interface KollaConfig {
  command: string;
  configFiles: ConfigFile[];
  permissions: Permission[];
}

function str(v: unknown, where: string): string {
  if (typeof v !== 'string' || v === '')
    throw new InputError(`config.json: ${where} must be a non-empty string`);
  return v;
}

function entries(v: unknown, where: string): Record<string, unknown>[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((e) => typeof e !== 'object' || e === null || Array.isArray(e))) {
    throw new InputError(`config.json: ${where} must be a list of objects`);
  }
  return v as Record<string, unknown>[];
}

export function parseKollaConfig(text: string): KollaConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new InputError(`config.json is not JSON: ${(err as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new InputError('config.json must hold an object');
  const o = raw as Record<string, unknown>;
  const configFiles = entries(o.config_files, 'config_files').map((e, i): ConfigFile => {
    const perm = str(e.perm, `config_files[${i}].perm`);
    if (!/^0?[0-7]{3,4}$/.test(perm))
      throw new InputError(`config.json: config_files[${i}].perm must be an octal mode like 0640`);
    if (e.optional !== undefined && typeof e.optional !== 'boolean') {
      throw new InputError(`config.json: config_files[${i}].optional must be true or false`);
    }
    return {
      source: str(e.source, `config_files[${i}].source`),
      dest: str(e.dest, `config_files[${i}].dest`),
      owner: str(e.owner, `config_files[${i}].owner`),
      perm,
      optional: e.optional === true,
    };
  });
  const permissions = entries(o.permissions, 'permissions').map((e, i): Permission => {
    if (e.recurse !== undefined && typeof e.recurse !== 'boolean') {
      throw new InputError(`config.json: permissions[${i}].recurse must be true or false`);
    }
    return {
      path: str(e.path, `permissions[${i}].path`),
      owner: str(e.owner, `permissions[${i}].owner`),
      recurse: e.recurse === true,
    };
  });
  return { command: str(o.command, 'command'), configFiles, permissions };
}

/** Resolves `user` or `user:group` (names or numbers) to ids. */
export type OwnerLookup = (owner: string) => { uid: number; gid: number };

/** Reads /etc/passwd and /etc/group of `root` (the container's own, not the host's). */
export function passwdLookup(root = '/'): OwnerLookup {
  const table = (file: string): Map<string, string[]> => {
    const m = new Map<string, string[]>();
    for (const line of readFileSync(path.join(root, 'etc', file), 'utf8').split('\n')) {
      const f = line.split(':');
      if (f.length > 3) m.set(f[0], f);
    }
    return m;
  };
  const users = table('passwd');
  const groups = table('group');
  return (owner) => {
    const [u, g] = owner.split(':');
    const pw = /^\d+$/.test(u) ? undefined : users.get(u);
    if (!pw && !/^\d+$/.test(u)) throw new InputError(`config.json: unknown user ${u}`);
    const uid = pw ? Number(pw[2]) : Number(u);
    let gid = pw ? Number(pw[3]) : uid;
    if (g !== undefined) {
      if (/^\d+$/.test(g)) gid = Number(g);
      else {
        const gr = groups.get(g);
        if (!gr) throw new InputError(`config.json: unknown group ${g}`);
        gid = Number(gr[2]);
      }
    }
    return { uid, gid };
  };
}

function chownTree(p: string, uid: number, gid: number): void {
  chownSync(p, uid, gid);
  if (!lstatSync(p).isDirectory()) return;
  for (const name of readdirSync(p)) {
    const child = path.join(p, name);
    if (lstatSync(child).isSymbolicLink()) continue;
    chownTree(child, uid, gid);
  }
}

/**
 * Applies config.json: copies (a directory source copies its files), sets owner and mode, fixes
 * the listed permissions (creating missing directories, as they are the daemon's state paths).
 * Returns the command to run.
 */
export function applyKollaConfig(cfg: KollaConfig, lookup: OwnerLookup, log: (msg: string) => void): string {
  for (const f of cfg.configFiles) {
    if (!existsSync(f.source)) {
      if (f.optional) {
        log(`skipping optional ${f.source} (missing)`);
        continue;
      }
      throw new InputError(`config.json: ${f.source} does not exist and is not optional`);
    }
    const { uid, gid } = lookup(f.owner);
    const mode = parseInt(f.perm, 8);
    const copyOne = (src: string, dest: string): void => {
      mkdirSync(path.dirname(dest), { recursive: true });
      // A read-only source's mode would otherwise survive a replaced destination.
      rmSync(dest, { force: true });
      copyFileSync(src, dest);
      chownSync(dest, uid, gid);
      chmodSync(dest, mode);
    };
    if (statSync(f.source).isDirectory()) {
      for (const name of readdirSync(f.source)) {
        const src = path.join(f.source, name);
        if (statSync(src).isFile()) copyOne(src, path.join(f.dest, name));
      }
    } else {
      const dest = f.dest.endsWith('/') ? path.join(f.dest, path.basename(f.source)) : f.dest;
      copyOne(f.source, dest);
    }
    log(`copied ${f.source} to ${f.dest} (${f.owner}, ${f.perm})`);
  }
  for (const p of cfg.permissions) {
    const { uid, gid } = lookup(p.owner);
    mkdirSync(p.path, { recursive: true });
    if (p.recurse) chownTree(p.path, uid, gid);
    else chownSync(p.path, uid, gid);
    log(`owner of ${p.path}${p.recurse ? ' (recursively)' : ''} set to ${p.owner}`);
  }
  return cfg.command;
}
