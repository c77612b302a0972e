/**
 * Runs rankUnits in a fresh process (its own heap and JIT, no other work): reads the units, the needed
 * capabilities and the settings as JSON on stdin, writes the latency summary as JSON on stdout.
 */
import type { CandidateUnit, RecommendSettings } from '../../src/server/modules/emergency/recommend.js';
import { rankingInProcess } from './recommend.js';

type Input = { units: (Omit<CandidateUnit, 'positionAt'> & { positionAt: string | null })[]; needed: string[]; settings: RecommendSettings };

const chunks: Buffer[] = [];
process.stdin.on('data', (c: Buffer) => chunks.push(c));
process.stdin.on('end', () => {
  const input = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Input;
  const units = input.units.map((u) => ({ ...u, positionAt: u.positionAt ? new Date(u.positionAt) : null }));
  process.stdout.write(JSON.stringify(rankingInProcess(units, input.needed, input.settings)));
});
