import crypto from 'node:crypto';
import { AppError } from '../../platform/errors.js';

export type Photo = { mediaType: 'image/jpeg' | 'image/png' | 'image/webp'; content: Buffer; sha256: string };

/** The image type told by the file's first bytes, never by its name or the declared type. */
export function sniffImage(b: Buffer): Photo['mediaType'] | null {
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (b.length >= 8 && b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (b.length >= 12 && b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP') return 'image/webp';
  return null;
}

/** Decodes base64 photos and checks size and type; the 1-based index names the bad one in the error. */
export function checkPhotos(encoded: readonly string[], maxBytes: number): Photo[] {
  return encoded.map((data, i) => {
    const content = Buffer.from(data, 'base64');
    if (content.length > maxBytes) throw new AppError('citizen_photo_too_large', 413, { index: i + 1, maxMb: Math.round((maxBytes / 1048576) * 10) / 10 });
    const mediaType = sniffImage(content);
    if (!mediaType) throw new AppError('citizen_photo_invalid', 422, { index: i + 1 });
    return { mediaType, content, sha256: crypto.createHash('sha256').update(content).digest('hex') };
  });
}
