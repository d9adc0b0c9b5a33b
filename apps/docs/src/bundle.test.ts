import { fileURLToPath } from 'node:url';
import { loadSchemaSet } from '@causeflow/codegen';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { bundleSchema, usedDefs } from './bundle.js';
import { docsModel } from './model.js';

const model = docsModel(
  await loadSchemaSet(fileURLToPath(new URL('../../../schemas', import.meta.url))),
);

function validator(schema: object) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  return ajv.compile(schema);
}

describe('self-contained event schemas', () => {
  it('refer only to their own $defs, keep $id and validate every example on their own', () => {
    for (const event of model.events) {
      const bundled = bundleSchema(event.schema, model.defs);
      const text = JSON.stringify(bundled);
      expect(text, event.name).not.toContain('defs.json');
      for (const ref of text.matchAll(/"\$ref":"([^"]+)"/g)) expect(ref[1]).toMatch(/^#\/\$defs\//);
      expect(bundled.$id).toBe(event.id);
      const validate = validator(bundled);
      for (const example of event.examples) {
        expect(validate(example), `${event.name}: ${JSON.stringify(validate.errors)}`).toBe(true);
      }
    }
  });

  it('still refuses an invalid event, so the schemas are not emptied', () => {
    const event = model.events.find((e) => e.name === 'incident.created')!;
    const validate = validator(bundleSchema(event.schema, model.defs));
    const example = structuredClone(event.examples[0]) as { data: { severity: string } };
    example.data.severity = 'apocalyptic';
    expect(validate(example)).toBe(false);
  });

  it('includes only the definitions an event uses', () => {
    const event = model.events.find((e) => e.name === 'remediation.approved')!;
    expect(usedDefs(event.schema, model.defs)).not.toContain('Severity');
    expect(usedDefs(event.schema, model.defs)).toContain('RemediationId');
  });
});
