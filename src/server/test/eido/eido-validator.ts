import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import YAML from 'yaml';

/** Repository root: this file is src/server/test/eido/. */
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
/** NENA's own files, shared read-only beside the repository; tests validate against them, never a copy. */
export const EIDO_DIR = path.resolve(REPO_ROOT, '../shared/standards/eido');
/** Root of the schema ids given to the loaded files; never fetched. */
const BASE = 'https://eido.invalid/';
const ROOT_FILE = 'openapi.yaml';
const ROOT_TYPE = 'EmergencyIncidentDataObjectType';

type Schema = Record<string, unknown>;
const isObject = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v);

const NUMERIC_KEYWORDS = ['minItems', 'maxItems', 'minLength', 'maxLength', 'minProperties', 'maxProperties', 'minimum', 'maximum', 'multipleOf'];
const OPENAPI_ONLY_KEYWORDS = ['example', 'xml', 'externalDocs', 'discriminator'];

/**
 * Rewrites one OpenAPI 3.0 schema object in place into JSON Schema for Ajv, recursing only through
 * schema-valued keywords so that property *names* such as `$ref` and `$id` (ReferenceType, PrologueType)
 * are never mistaken for keywords. `file` is the document's path relative to EIDO_DIR; every file
 * referenced is added to `files`.
 */
function convert(schema: unknown, file: string, files: Set<string>): void {
  if (!isObject(schema)) return;
  if (typeof schema.$ref === 'string') {
    const [target = '', pointer = ''] = schema.$ref.split('#');
    // normalize() also repairs NENA's 'NIEMComponents//j.yaml'.
    const targetFile = target ? path.posix.normalize(path.posix.join(path.posix.dirname(file), target)) : file;
    files.add(targetFile);
    schema.$ref = `${BASE}${targetFile}#${pointer}`;
  }
  for (const k of NUMERIC_KEYWORDS) {
    // NENA's AgentType has `minItems: 1,`, which YAML reads as the string "1,".
    if (typeof schema[k] === 'string') {
      const n = Number.parseFloat(schema[k]);
      if (Number.isNaN(n)) throw new Error(`${file}: ${k} is not a number: ${JSON.stringify(schema[k])}`);
      schema[k] = n;
    }
  }
  if (schema.nullable === true) {
    if (typeof schema.type === 'string') schema.type = [schema.type, 'null'];
    if (Array.isArray(schema.enum) && !schema.enum.includes(null)) schema.enum = [...schema.enum, null];
  }
  delete schema.nullable;
  for (const k of OPENAPI_ONLY_KEYWORDS) delete schema[k];
  // OpenAPI 3.0 has draft-04 boolean exclusive bounds; draft-07 wants the bound itself.
  for (const [flag, bound] of [['exclusiveMinimum', 'minimum'], ['exclusiveMaximum', 'maximum']] as const) {
    if (schema[flag] === true) {
      schema[flag] = schema[bound];
      delete schema[bound];
    } else if (schema[flag] === false) delete schema[flag];
  }
  for (const k of ['properties', 'patternProperties']) {
    if (isObject(schema[k])) for (const sub of Object.values(schema[k])) convert(sub, file, files);
  }
  for (const k of ['items', 'additionalProperties', 'not']) convert(schema[k], file, files);
  for (const k of ['allOf', 'anyOf', 'oneOf']) {
    if (Array.isArray(schema[k])) for (const sub of schema[k]) convert(sub, file, files);
  }
}

/** `openapi.yaml` and every file reachable from it through `$ref`s, converted, keyed by relative path. */
function loadDocuments(): Map<string, Schema> {
  const docs = new Map<string, Schema>();
  const files = new Set([ROOT_FILE]);
  // A Set iterates entries added during the loop, so this walks the whole reference graph.
  for (const file of files) {
    const parsed: unknown = YAML.parse(fs.readFileSync(path.join(EIDO_DIR, file), 'utf8'));
    const schemas = isObject(parsed) && isObject(parsed.components) ? parsed.components.schemas : undefined;
    if (!isObject(schemas)) throw new Error(`${file}: no components.schemas`);
    for (const s of Object.values(schemas)) convert(s, file, files);
    // Only components.schemas: the OpenAPI envelope (info, paths) is not JSON Schema.
    docs.set(file, { $id: BASE + file, components: { schemas } });
  }
  return docs;
}

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (compiled) return compiled;
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  for (const doc of loadDocuments().values()) ajv.addSchema(doc);
  compiled = ajv.compile({ $ref: `${BASE}${ROOT_FILE}#/components/schemas/${ROOT_TYPE}` });
  return compiled;
}

/** Validates a document against NENA's EmergencyIncidentDataObjectType (NENA-STA-021 EIDO JSON). */
export function validateEido(doc: unknown): { valid: boolean; errors: string[] } {
  const validate = validator();
  const valid = validate(doc);
  const errors = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? e.keyword}${e.keyword === 'enum' ? `: ${JSON.stringify(e.params)}` : ''}`);
  return { valid, errors };
}

/**
 * `$ref` values in an EIDO that name no component `$id` in the same document. The schema cannot
 * check this (references are plain strings), so exporter tests should.
 */
export function danglingReferences(doc: unknown): string[] {
  const ids = new Set<string>();
  const refs: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (isObject(v)) {
      if (typeof v.$id === 'string') ids.add(v.$id);
      if (typeof v.$ref === 'string') refs.push(v.$ref);
      Object.values(v).forEach(walk);
    }
  };
  walk(doc);
  return [...new Set(refs.filter((r) => !ids.has(r)))];
}
