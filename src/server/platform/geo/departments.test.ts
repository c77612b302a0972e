import { describe, expect, it } from 'vitest';
import { DEFAULT_TOLERANCE_METERS, DEPARTMENTS, departmentAt } from './departments.js';

// Department seats and other known places; ids are the file's ISO 3166-2 suffixes.
const PLACES: [place: string, lat: number, lon: number, id: string][] = [
  ['San Salvador', 13.6929, -89.2182, 'SV.SS'],
  ['Santa Ana', 13.9942, -89.5597, 'SV.SA'],
  ['San Miguel', 13.4833, -88.1833, 'SV.SM'],
  ['La Unión port', 13.3369, -87.8439, 'SV.UN'],
  ['Chalatenango', 14.0333, -88.9333, 'SV.CH'],
  ['Zacatecoluca', 13.5, -88.8667, 'SV.PA'],
  ['Ahuachapán', 13.9214, -89.845, 'SV.AH'],
  ['Sonsonate', 13.7189, -89.7242, 'SV.SO'],
  ['Usulután', 13.35, -88.45, 'SV.US'],
  ['San Vicente', 13.6411, -88.7844, 'SV.SV'],
  ['Sensuntepeque', 13.8667, -88.6333, 'SV.CA'],
  ['Cojutepeque', 13.7167, -88.9333, 'SV.CU'],
  ['San Francisco Gotera', 13.6944, -88.1056, 'SV.MO'],
  ['Santa Tecla', 13.6769, -89.2797, 'SV.LI'],
];

describe('DEPARTMENTS', () => {
  it('lists the 14 departments with their Spanish names', () => {
    expect(DEPARTMENTS).toHaveLength(14);
    expect(new Set(DEPARTMENTS.map((d) => d.id)).size).toBe(14);
    expect(DEPARTMENTS.map((d) => d.name).sort()).toEqual(
      ['Ahuachapán', 'Cabañas', 'Chalatenango', 'Cuscatlán', 'La Libertad', 'La Paz', 'La Unión', 'Morazán', 'San Miguel', 'San Salvador', 'San Vicente', 'Santa Ana', 'Sonsonate', 'Usulután'].sort(),
    );
    for (const d of DEPARTMENTS) expect(d.id).toMatch(/^SV\.[A-Z]{2}$/);
  });

  it('places each label point inside its own polygon', () => {
    for (const d of DEPARTMENTS) expect(departmentAt(d.label.lat, d.label.lon, { toleranceMeters: 0 })?.id).toBe(d.id);
  });
});

describe('departmentAt', () => {
  it.each(PLACES)('puts %s in %s', (_place, lat, lon, id) => {
    expect(departmentAt(lat, lon)?.id).toBe(id);
  });

  it('returns the id and name', () => {
    expect(departmentAt(13.7167, -88.9333)).toEqual({ id: 'SV.CU', name: 'Cuscatlán' });
  });

  it('snaps a coastal point just outside the coarse outline to the nearest department', () => {
    // Puerto de La Libertad lies on the shore, a little seaward of the 1:10m outline.
    expect(departmentAt(13.4883, -89.3222, { toleranceMeters: 0 })).toBeNull();
    expect(departmentAt(13.4883, -89.3222)?.id).toBe('SV.LI');
    expect(DEFAULT_TOLERANCE_METERS).toBe(5_000);
  });

  it('takes a configurable tolerance', () => {
    expect(departmentAt(13.38, -89.32, { toleranceMeters: 15_000 })?.id).toBe('SV.LI');
  });

  it('returns null far at sea or abroad', () => {
    expect(departmentAt(12.5, -89.0)).toBeNull(); // Pacific, ~100 km offshore
    expect(departmentAt(13.38, -89.32)).toBeNull(); // Pacific, ~12 km off the outline: beyond the default tolerance
    expect(departmentAt(14.6349, -90.5069)).toBeNull(); // Guatemala City
    expect(departmentAt(Number.NaN, -89)).toBeNull();
  });

  it('answers 10,000 lookups in under a second', () => {
    const start = performance.now();
    for (let i = 0; i < 10_000; i++) departmentAt(13.1 + (i % 100) * 0.012, -90.2 + (i % 97) * 0.025);
    expect(performance.now() - start).toBeLessThan(1_000);
  });
});
