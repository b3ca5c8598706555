import { OPTIONS, SECTION_HELP, SECTIONS, type OptionDecl } from './config-options';

const WIDTH = 98;

const HEADER = `# zun-ts settings (zun.conf), OpenStack style.
# Generated from packages/common/src/config-options.ts by \`npm run config-sample\`: edit the
# declarations there, not this file.
#
# The daemons read the file named by ZUN_CONFIG (default /etc/zun/zun.conf). Every option can
# also be set from the environment as ZUN_<SECTION>_<OPTION> (e.g. ZUN_API_PORT=9517), which wins
# over the file. An unknown section or option, or a value of the wrong type, stops the daemon at
# start-up with the file, section and option named.
#
# A commented line shows an option's default; the uncommented ones must be chosen for every
# deployment (the same service_token, auth_encryption_key and database on every host).
`;

/** The example zun.conf: every declared option with its help, type and default. */
export function renderConfigSample(): string {
  const out = [HEADER];
  for (const section of SECTIONS) {
    out.push(`[${section}]`, ...comment(SECTION_HELP[section]), '');
    for (const o of OPTIONS.filter((x) => x.section === section)) out.push(...option(o), '');
  }
  return `${out.join('\n').trimEnd()}\n`;
}

function option(o: OptionDecl): string[] {
  const lines = comment(o.help);
  lines.push(`# (${typeText(o)}${o.defaultText ? `; default: ${o.defaultText}` : ''})`);
  const shown = defaultValue(o);
  lines.push(o.sample !== undefined ? `${o.name} = ${o.sample}` : `#${o.name} =${shown && ` ${shown}`}`);
  return lines;
}

function typeText(o: OptionDecl): string {
  switch (o.type) {
    case 'int':
      return 'integer';
    case 'float':
      return 'number';
    case 'bool':
      return 'true or false';
    case 'list':
      return 'comma-separated list';
    case 'enum':
      return `one of: ${(o.choices ?? []).join(', ')}`;
    case 'string':
      return 'string';
  }
}

function defaultValue(o: OptionDecl): string {
  const d = o.default;
  if (d === null) return '';
  if (Array.isArray(d)) return d.join(',');
  if (typeof d === 'number' && o.type === 'float' && Number.isInteger(d)) return d.toFixed(1);
  return String(d);
}

/** `text` as `# ` lines of at most WIDTH characters. */
function comment(text: string): string[] {
  const lines: string[] = [];
  let line = '#';
  for (const word of text.split(/\s+/)) {
    if (line.length + 1 + word.length > WIDTH && line !== '#') {
      lines.push(line);
      line = '#';
    }
    line += ` ${word}`;
  }
  lines.push(line);
  return lines;
}
