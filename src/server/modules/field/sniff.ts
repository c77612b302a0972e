import type { EvidenceKind } from '../../platform/db/schema.js';

type Signature = { type: string; test: (b: Buffer) => boolean };
const at = (b: Buffer, offset: number, ascii: string) => b.subarray(offset, offset + ascii.length).toString('latin1') === ascii;

// Magic bytes, not file names or declared types: a renamed executable is refused.
const SIGNATURES: Signature[] = [
  { type: 'image/jpeg', test: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  { type: 'image/png', test: (b) => at(b, 0, '\x89PNG\r\n\x1a\n') },
  { type: 'image/webp', test: (b) => at(b, 0, 'RIFF') && at(b, 8, 'WEBP') },
  { type: 'image/heic', test: (b) => at(b, 4, 'ftyp') && ['heic', 'heix', 'mif1'].some((t) => at(b, 8, t)) },
  { type: 'audio/wav', test: (b) => at(b, 0, 'RIFF') && at(b, 8, 'WAVE') },
  { type: 'audio/ogg', test: (b) => at(b, 0, 'OggS') },
  { type: 'audio/webm', test: (b) => b[0] === 0x1a && b[1] === 0x45 && b[2] === 0xdf && b[3] === 0xa3 },
  { type: 'audio/mpeg', test: (b) => at(b, 0, 'ID3') || (b[0] === 0xff && ((b[1] ?? 0) & 0xe0) === 0xe0) },
  { type: 'audio/mp4', test: (b) => at(b, 4, 'ftyp') && ['M4A ', 'mp42', 'isom', 'dash'].some((t) => at(b, 8, t)) },
  { type: 'application/pdf', test: (b) => at(b, 0, '%PDF-') },
];

const ACCEPTED: Record<EvidenceKind, readonly string[]> = {
  photo: ['image/jpeg', 'image/png', 'image/webp', 'image/heic'],
  audio: ['audio/wav', 'audio/ogg', 'audio/webm', 'audio/mpeg', 'audio/mp4'],
  // A scanned document is often a photo of a page.
  document: ['application/pdf', 'image/jpeg', 'image/png'],
};

/** The content type the bytes prove, if it is one accepted for this kind of evidence. */
export function sniffEvidence(kind: EvidenceKind, bytes: Buffer): string | null {
  const found = SIGNATURES.find((s) => s.test(bytes));
  return found && ACCEPTED[kind].includes(found.type) ? found.type : null;
}
