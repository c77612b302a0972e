import { sha256 } from '@noble/hashes/sha2.js';
import type { Challenge } from './api';

const encoder = new TextEncoder();

function zeroBits(d: Uint8Array): number {
  let bits = 0;
  for (const byte of d) {
    if (byte === 0) {
      bits += 8;
      continue;
    }
    return bits + Math.clz32(byte) - 24;
  }
  return bits;
}

/** Finds the server's proof of work in slices, yielding between them so the page stays responsive. */
export async function solveChallenge(c: Challenge): Promise<string> {
  for (let i = 0; ; i++) {
    if (zeroBits(sha256(encoder.encode(`${c.nonce}:${i}`))) >= c.bits) return String(i);
    if (i % 4000 === 3999) await new Promise((r) => setTimeout(r, 0));
  }
}

/** Reads a picked file as base64 (without the data: prefix), as the API takes photos. */
export function fileToBase64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ''));
    reader.onerror = () => reject(reader.error ?? new Error('read failed'));
    reader.readAsDataURL(file);
  });
}
