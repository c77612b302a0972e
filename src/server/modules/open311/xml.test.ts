import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { escapeXml, toXml } from './xml.js';

describe('the Open311 XML serializer', () => {
  it('escapes markup and drops characters XML cannot carry, so any text parses back as itself', () => {
    const nasty = `<script>&"'</script>\u0001 fin`;
    expect(escapeXml(nasty)).toBe('&lt;script&gt;&amp;&quot;&apos;&lt;/script&gt; fin');
    const doc = toXml('errors', [{ code: 400, description: nasty }], () => 'error');
    const parsed = new XMLParser({ parseTagValue: false }).parse(doc);
    expect(parsed.errors.error.description).toBe(`<script>&"'</script> fin`);
  });

  it('writes empty elements for null and nests lists under their parent', () => {
    expect(toXml('service_requests', [{ service_request_id: 'SR-1', account_id: null }], () => 'request')).toBe(
      '<?xml version="1.0" encoding="utf-8"?>\n<service_requests><request><service_request_id>SR-1</service_request_id><account_id/></request></service_requests>',
    );
  });
});
