import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EIDO_DIR, danglingReferences, validateEido } from './eido-validator.js';

type Json = Record<string, unknown>;

const sample = JSON.parse(fs.readFileSync(path.join(EIDO_DIR, 'sample-call-transfer.json'), 'utf8')) as Json;

/** The ```json blocks of EIDO-NOTES.md, so the documented example is the tested one. */
function notesExamples(): unknown[] {
  const notes = fs.readFileSync(new URL('./EIDO-NOTES.md', import.meta.url), 'utf8');
  return [...notes.matchAll(/```json\n([\s\S]*?)\n```/g)].map((m) => JSON.parse(m[1]!) as unknown);
}

describe('validateEido', () => {
  it("accepts NENA's own sample-call-transfer.json", () => {
    expect(validateEido(sample)).toEqual({ valid: true, errors: [] });
    expect(danglingReferences(sample)).toEqual([]);
  });

  it('rejects the sample without the required eidoVersion', () => {
    const doc = structuredClone(sample);
    delete doc.eidoVersion;
    const result = validateEido(doc);
    expect(result.valid).toBe(false);
    expect(result.errors).toContain("/ must have required property 'eidoVersion'");
  });

  it('rejects wrong types, enum values and formats deep in components', () => {
    const doc = structuredClone(sample) as { callComponent: Json[]; agentComponent: Json[] };
    doc.callComponent[0]!.direction = 'inbound';
    doc.callComponent[0]!.callStartTimestamp = '2021-04-30T14:40:00'; // no offset
    doc.agentComponent[0]!.agentRoleRegistryText = 'Call Taking'; // must be an array
    const { valid, errors } = validateEido(doc);
    expect(valid).toBe(false);
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\/callComponent\/0\/direction must be equal to one of the allowed values/),
        '/callComponent/0/callStartTimestamp must match format "date-time"',
        '/agentComponent/0/agentRoleRegistryText must be array',
      ]),
    );
  });

  it("reads NENA's `minItems: 1,` as the number 1", () => {
    const doc = structuredClone(sample) as { agentComponent: Json[] };
    doc.agentComponent[0]!.agentRoleRegistryText = [];
    expect(validateEido(doc).errors).toEqual(['/agentComponent/0/agentRoleRegistryText must NOT have fewer than 1 items']);
  });

  it('follows references into the NIEM component files', () => {
    const doc = structuredClone(sample) as { personComponent: Json[] };
    doc.personComponent[0]!.ncPersonComponent = { name: [{ personFullName: [{ value: 42 }] }] };
    expect(validateEido(doc).errors).toEqual(['/personComponent/0/ncPersonComponent/name/0/personFullName/0/value must be string']);
  });

  it('rejects what is not an object', () => {
    expect(validateEido(null).valid).toBe(false);
    expect(validateEido('EIDO').valid).toBe(false);
  });
});

describe('EIDO-NOTES.md', () => {
  it('has an example that validates and whose references all resolve', () => {
    const examples = notesExamples();
    expect(examples.length).toBeGreaterThan(0);
    for (const doc of examples) {
      expect(validateEido(doc)).toEqual({ valid: true, errors: [] });
      expect(danglingReferences(doc)).toEqual([]);
    }
  });
});

describe('danglingReferences', () => {
  it('lists each reference that names no $id in the document', () => {
    const doc = structuredClone(sample) as { callComponent: Json[] };
    doc.callComponent[0]!.agentReference = [{ $ref: 'nobody@state.pa.us' }, { $ref: 'nobody@state.pa.us' }];
    expect(danglingReferences(doc)).toEqual(['nobody@state.pa.us']);
  });
});
