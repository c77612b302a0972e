import { describe, it, expect } from 'vitest';
import { canonicalize } from './canonical-json.js';

function doubleFromBits(hex: string): number {
  return Buffer.from(hex, 'hex').readDoubleBE(0);
}

function sparseArray(): unknown[] {
  const holes: unknown[] = new Array(3);
  holes[0] = 1;
  holes[2] = 2;
  return holes;
}

describe('canonicalize', () => {
  it('reproduces the RFC 8785 §3.2.2 example output', () => {
    const input = String.raw`{
      "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
      "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
      "literals": [null, true, false]
    }`;
    const expected = String.raw`{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}`;
    expect(canonicalize(JSON.parse(input))).toBe(expected);
  });

  it('serializes the RFC 8785 Appendix B numbers as ECMAScript does', () => {
    const samples: Array<[string, string]> = [
      ['0000000000000000', '0'],
      ['8000000000000000', '0'],
      ['0000000000000001', '5e-324'],
      ['8000000000000001', '-5e-324'],
      ['7fefffffffffffff', '1.7976931348623157e+308'],
      ['ffefffffffffffff', '-1.7976931348623157e+308'],
      ['4340000000000000', '9007199254740992'],
      ['c340000000000000', '-9007199254740992'],
      ['4430000000000000', '295147905179352830000'],
      ['44b52d02c7e14af5', '9.999999999999997e+22'],
      ['44b52d02c7e14af6', '1e+23'],
      ['44b52d02c7e14af7', '1.0000000000000001e+23'],
      ['444b1ae4d6e2ef4e', '999999999999999700000'],
      ['444b1ae4d6e2ef4f', '999999999999999900000'],
      ['444b1ae4d6e2ef50', '1e+21'],
      ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
      ['3eb0c6f7a0b5ed8d', '0.000001'],
      ['41b3de4355555553', '333333333.3333332'],
      ['41b3de4355555554', '333333333.33333325'],
      ['41b3de4355555555', '333333333.3333333'],
      ['41b3de4355555556', '333333333.3333334'],
      ['41b3de4355555557', '333333333.33333343'],
      ['becbf647612f3696', '-0.0000033333333333333333'],
      ['43143ff3c1cb0959', '1424953923781206.2'],
    ];
    for (const [bits, text] of samples) {
      expect(canonicalize(doubleFromBits(bits)), bits).toBe(text);
    }
  });

  it('rejects the RFC 8785 Appendix B NaN and Infinity samples', () => {
    expect(() => canonicalize(doubleFromBits('7fffffffffffffff'))).toThrow(TypeError);
    expect(() => canonicalize(doubleFromBits('7ff0000000000000'))).toThrow(TypeError);
    expect(() => canonicalize(-Infinity)).toThrow(TypeError);
  });

  it('sorts keys by UTF-16 code units as in the RFC 8785 §3.2.3 example', () => {
    const input = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    };
    const expectedOrder = ['\r', '1', '\u0080', '\u00f6', '\u20ac', '\ud83d\ude00', '\ufb33'];
    const expected = `{${expectedOrder.map((k) => `${JSON.stringify(k)}:${JSON.stringify(input[k as keyof typeof input])}`).join(',')}}`;
    const output = canonicalize(input);
    expect(output).toBe(expected);
    expect(output.startsWith('{"\\r":"Carriage Return","1":"One","\u0080":"Control"')).toBe(true);
  });

  it('sorts nested objects and keeps array order', () => {
    expect(canonicalize({ b: [3, { z: 1, a: 2 }, 1], a: { d: true, c: null } })).toBe(
      '{"a":{"c":null,"d":true},"b":[3,{"a":2,"z":1},1]}',
    );
  });

  it('writes no whitespace and escapes strings like JSON.stringify', () => {
    const text = 'tab\there "quoted" back\\slash \u0001 \u001f \u2028 ñ';
    expect(canonicalize({ k: text, list: [1, 2] })).toBe(`{"k":${JSON.stringify(text)},"list":[1,2]}`);
  });

  it('serializes top-level primitives', () => {
    expect(canonicalize(null)).toBe('null');
    expect(canonicalize(true)).toBe('true');
    expect(canonicalize(false)).toBe('false');
    expect(canonicalize('x')).toBe('"x"');
    expect(canonicalize(-0)).toBe('0');
    expect(canonicalize([])).toBe('[]');
    expect(canonicalize({})).toBe('{}');
  });

  it('skips object properties whose value is undefined', () => {
    expect(canonicalize({ a: 1, b: undefined, c: { d: undefined } })).toBe('{"a":1,"c":{}}');
  });

  it('serializes a Date as its ISO string', () => {
    const at = new Date('2024-05-06T07:08:09.010Z');
    expect(canonicalize({ at })).toBe('{"at":"2024-05-06T07:08:09.010Z"}');
  });

  it('rejects values JSON cannot represent faithfully', () => {
    const bad: unknown[] = [
      undefined,
      10n,
      () => 1,
      Symbol('s'),
      new Date(Number.NaN),
      new Map(),
      new Set([1]),
      new (class Point {
        x = 1;
      })(),
      { nested: { fn: () => 1 } },
      { big: 1n },
      [1, undefined],
      sparseArray(),
      { n: Number.NaN },
      'lone \ud800 surrogate',
      { ['\udc00']: 1 },
    ];
    for (const value of bad) {
      expect(() => canonicalize(value)).toThrow(TypeError);
    }
  });

  it('rejects circular structures but accepts shared references', () => {
    const shared = { x: 1 };
    expect(canonicalize({ a: shared, b: [shared] })).toBe('{"a":{"x":1},"b":[{"x":1}]}');
    const loop: Record<string, unknown> = {};
    loop['self'] = loop;
    expect(() => canonicalize(loop)).toThrow(TypeError);
  });

  it('accepts objects without a prototype', () => {
    const bare = Object.create(null) as Record<string, unknown>;
    bare['b'] = 1;
    bare['a'] = 2;
    expect(canonicalize(bare)).toBe('{"a":2,"b":1}');
  });
});
