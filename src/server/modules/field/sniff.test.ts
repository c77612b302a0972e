import { describe, expect, it } from 'vitest';
import { sniffEvidence } from './sniff.js';

const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46]);
const pdf = Buffer.from('%PDF-1.7\n%…');
const exe = Buffer.from('MZ\x90\x00\x03\x00\x00\x00', 'latin1');

describe('evidence type by content', () => {
  it('recognises a JPEG photo by its magic bytes', () => expect(sniffEvidence('photo', jpeg)).toBe('image/jpeg'));
  it('accepts a PDF as a document but not as a photo', () => {
    expect(sniffEvidence('document', pdf)).toBe('application/pdf');
    expect(sniffEvidence('photo', pdf)).toBeNull();
  });
  it('refuses an executable whatever it is called', () => expect(sniffEvidence('photo', exe)).toBeNull());
  it('recognises an Ogg recording as audio', () => expect(sniffEvidence('audio', Buffer.from('OggS\x00\x02', 'latin1'))).toBe('audio/ogg'));
});
