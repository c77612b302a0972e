/**
 * RFC 8785 (JCS) canonical JSON text of a value.
 * A Date is serialized as its toISOString() string; object properties set to undefined are skipped.
 * Whatever JSON.stringify would silently drop or reshape throws a TypeError instead: undefined
 * elsewhere, functions, symbols, bigint, non-finite numbers, lone surrogates, non-plain objects, cycles.
 */
export function canonicalize(value: unknown): string {
  if (value === undefined) throw new TypeError('Cannot canonicalize undefined');
  return serialize(value, new Set());
}

// In /u mode a valid surrogate pair is one code point, so only lone halves match.
const LONE_SURROGATE = /\p{Surrogate}/u;

function serialize(value: unknown, ancestors: Set<object>): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`Cannot canonicalize non-finite number ${String(value)}`);
      // ECMAScript Number-to-String is exactly what RFC 8785 §3.2.2.3 prescribes (and turns -0 into 0).
      return JSON.stringify(value);
    case 'string':
      return serializeString(value);
    case 'object':
      break;
    default:
      throw new TypeError(`Cannot canonicalize a value of type ${typeof value}`);
  }

  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new TypeError('Cannot canonicalize an invalid Date');
    return serializeString(value.toISOString());
  }
  if (ancestors.has(value)) throw new TypeError('Cannot canonicalize a circular structure');

  ancestors.add(value);
  try {
    if (Array.isArray(value)) {
      // Array.from visits holes too (as undefined), which map() would skip and leave as ",,".
      return `[${Array.from(value as unknown[], (item) => serializeArrayItem(item, ancestors)).join(',')}]`;
    }
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      throw new TypeError('Cannot canonicalize a non-plain object (only plain objects, arrays and Dates are allowed)');
    }
    const record = value as Record<string, unknown>;
    // Plain < compares UTF-16 code units, the order RFC 8785 §3.2.3 requires (localeCompare would not).
    const keys = Object.keys(record).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const members: string[] = [];
    for (const key of keys) {
      const member = record[key];
      if (member === undefined) continue;
      members.push(`${serializeString(key)}:${serialize(member, ancestors)}`);
    }
    return `{${members.join(',')}}`;
  } finally {
    ancestors.delete(value);
  }
}

function serializeArrayItem(item: unknown, ancestors: Set<object>): string {
  // JSON.stringify would write null here, silently changing the signed data.
  if (item === undefined) throw new TypeError('Cannot canonicalize undefined inside an array');
  return serialize(item, ancestors);
}

function serializeString(text: string): string {
  // A lone surrogate has no UTF-8 form, so two different strings could hash to the same bytes.
  if (LONE_SURROGATE.test(text)) throw new TypeError('Cannot canonicalize a string with a lone surrogate');
  return JSON.stringify(text);
}
