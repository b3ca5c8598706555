import { parse, YAMLParseError, type Tags } from 'yaml';

/** The most a template may hold, as the client and Horizon's panel allow. */
export const MAX_TEMPLATE_BYTES = 16 * 1024;

export const EXAMPLE_TEMPLATE = `kind: capsule
metadata:
  name: demo-capsule
  labels:
    app: web
spec:
  restartPolicy: Always
  containers:
    - image: busybox
      command: [sleep, "3600"]
      resources:
        requests:
          cpu: 0.1
          memory: 64
`;

export type TemplateReading = { ok: true; template: Record<string, unknown> } | { ok: false; error: string };

/**
 * YAML 1.1, as the `zun` client reads templates (PyYAML): `yes`/`on` are booleans, `010` octal.
 * Dates stay the text they were, as the client keeps them, rather than becoming timestamps.
 */
const OPTIONS = {
  version: '1.1',
  uniqueKeys: true,
  prettyErrors: true,
  customTags: (tags: Tags) => tags.filter((t) => typeof t === 'string' || t.tag !== TIMESTAMP),
} as const;
const TIMESTAMP = 'tag:yaml.org,2002:timestamp';

/**
 * The template text as the body's `template`: YAML, of which JSON is a subset, so one parser
 * reads both. A key given twice is refused: the second would silently replace the first. What
 * the server would refuse is left to the server, so the message shown is the one every client
 * gets; only what it can never see (text that is no mapping at all) is answered here, with its
 * line.
 */
export function readTemplate(text: string): TemplateReading {
  if (!text.trim())
    return { ok: false, error: 'The template is empty: type or load a YAML or JSON template.' };
  const bytes = new TextEncoder().encode(text).length;
  if (bytes > MAX_TEMPLATE_BYTES)
    return {
      ok: false,
      error: `The template is ${bytes} bytes; at most ${MAX_TEMPLATE_BYTES} (16 KiB) are accepted.`,
    };
  let doc: unknown;
  try {
    doc = parse(text, OPTIONS);
  } catch (err) {
    if (err instanceof YAMLParseError) {
      const where = err.linePos ? `line ${err.linePos[0].line}, column ${err.linePos[0].col}` : 'somewhere';
      const first = err.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
      return { ok: false, error: `The template is not valid YAML or JSON (${where}): ${first}.` };
    }
    return { ok: false, error: `The template could not be read: ${(err as Error).message}` };
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc))
    return {
      ok: false,
      error: 'The template must be a mapping with kind, metadata and spec (see the example).',
    };
  return { ok: true, template: doc as Record<string, unknown> };
}
