import { EXAMPLE_TEMPLATE, MAX_TEMPLATE_BYTES, readTemplate } from './capsule-template';

describe('readTemplate: the capsule template text as the request body', () => {
  it('reads YAML and JSON to the same object', () => {
    const yaml = readTemplate(EXAMPLE_TEMPLATE);
    expect(yaml.ok).toBe(true);
    if (!yaml.ok) return;
    expect(yaml.template).toMatchObject({
      kind: 'capsule',
      metadata: { name: 'demo-capsule' },
      spec: { containers: [{ image: 'busybox', command: ['sleep', '3600'] }] },
    });
    expect(readTemplate(JSON.stringify(yaml.template, null, 2))).toEqual(yaml);
  });

  it('says where text that is no YAML goes wrong', () => {
    const r = readTemplate('kind: capsule\nspec:\n  containers: [\n    {image: busybox\n');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toMatch(/^The template is not valid YAML or JSON \(line \d+, column \d+\): \S/);
    expect(r.error).not.toContain('\n');
  });

  it('reads YAML 1.1 as the zun client does: yes is true, a date stays its text', () => {
    const r = readTemplate('stdin: yes\ntty: on\ncreated: 2013-05-23\nport: "80"\n');
    expect(r).toEqual({ ok: true, template: { stdin: true, tty: true, created: '2013-05-23', port: '80' } });
  });

  it('refuses a key given twice (the second would silently replace the first)', () => {
    const r = readTemplate('kind: capsule\nkind: pod\n');
    expect(r).toEqual({
      ok: false,
      error: expect.stringMatching(/line 2, column 1\): Map keys must be unique/),
    });
  });

  it('refuses empty text, a scalar, a list, and more than 16 KiB', () => {
    expect(readTemplate('  \n')).toEqual({ ok: false, error: expect.stringMatching(/empty/) });
    expect(readTemplate('hello')).toEqual({ ok: false, error: expect.stringMatching(/must be a mapping/) });
    expect(readTemplate('- a\n- b')).toEqual({
      ok: false,
      error: expect.stringMatching(/must be a mapping/),
    });
    const big = `kind: capsule\n# ${'x'.repeat(MAX_TEMPLATE_BYTES)}\n`;
    expect(readTemplate(big)).toEqual({
      ok: false,
      error: expect.stringMatching(/at most 16384 \(16 KiB\)/),
    });
  });

  it('leaves the rules of the template itself to the server', () => {
    // No image: the API's message names the field; the console sends it as written.
    expect(readTemplate('kind: capsule\nspec:\n  containers:\n    - command: [ls]\n').ok).toBe(true);
  });
});
