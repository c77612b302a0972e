import type { Kysely } from 'kysely';
import type { DB } from '../../platform/db/schema.js';

/** The Open311 service code of complaints about police conduct; it never becomes an incident. */
export const CONDUCT_SERVICE_CODE = 'CONDUCTA';

export type Open311Attribute = {
  variable: boolean;
  code: string;
  datatype: 'string' | 'number' | 'datetime' | 'text' | 'singlevaluelist' | 'multivaluelist';
  required: boolean;
  datatype_description: string | null;
  order: number;
  description: string;
  values: { key: string; name: string }[];
};

export type ServiceDefinition = {
  service_code: string;
  service_name: string;
  description: string;
  metadata: boolean;
  type: 'realtime' | 'batch' | 'blackbox';
  keywords: string;
  group: string;
  attributes: Open311Attribute[];
  kind: 'incident' | 'complaint';
};

const YES_NO = [
  { key: 'true', name: 'Sí' },
  { key: 'false', name: 'No' },
];

const CONDUCT: ServiceDefinition = {
  service_code: CONDUCT_SERVICE_CODE,
  service_name: 'Denuncia sobre la conducta de un agente',
  description: 'Queja sobre el trato o la actuación de agentes policiales. Solo la recibe la unidad de asuntos internos; puede ser anónima.',
  metadata: true,
  type: 'realtime',
  keywords: 'conducta, abuso, asuntos internos',
  group: 'Asuntos internos',
  kind: 'complaint',
  attributes: [
    { variable: true, code: 'anonymous', datatype: 'singlevaluelist', required: true, datatype_description: null, order: 1, description: '¿Desea que la denuncia sea anónima? Si es anónima no se guarda ningún dato de contacto.', values: YES_NO },
    { variable: true, code: 'occurred_at', datatype: 'datetime', required: false, datatype_description: 'ISO 8601 con zona horaria', order: 2, description: '¿Cuándo ocurrió?', values: [] },
    { variable: true, code: 'officer_description', datatype: 'text', required: false, datatype_description: null, order: 3, description: 'Descripción del agente o agentes', values: [] },
    { variable: true, code: 'badge_number', datatype: 'string', required: false, datatype_description: 'ONI o número de placa', order: 4, description: 'Número de placa u ONI, si lo vio', values: [] },
    { variable: true, code: 'unit_text', datatype: 'string', required: false, datatype_description: null, order: 5, description: 'Unidad o vehículo (indicativo, placa)', values: [] },
  ],
};

/** The citizen-facing services: the non-emergency incident types, and conduct complaints. Emergencies are a call to 911. */
export async function loadServices(db: Kysely<DB>): Promise<ServiceDefinition[]> {
  const [types, questions] = await Promise.all([
    db.selectFrom('incident_types').selectAll().where('active', '=', true).where('emergency', '=', false).orderBy('code').execute(),
    db.selectFrom('protocol_questions').selectAll().orderBy('type_code').orderBy('position').execute(),
  ]);
  const services = types.map((t): ServiceDefinition => {
    const attributes = questions
      .filter((q) => q.type_code === t.code)
      .map((q, i): Open311Attribute => ({
        variable: true,
        code: q.key,
        datatype: q.kind === 'yes_no' || q.kind === 'choice' ? 'singlevaluelist' : q.kind === 'number' ? 'number' : 'string',
        required: false,
        datatype_description: null,
        order: i + 1,
        description: q.prompt_es,
        values: q.kind === 'yes_no' ? YES_NO : q.kind === 'choice' ? (q.options ?? []).map((o) => ({ key: o.value, name: o.es })) : [],
      }));
    return {
      service_code: t.code,
      service_name: t.name_es,
      description: `${t.name_es}. Situaciones que no ponen en peligro a nadie; si hay peligro, llame al 911.`,
      metadata: attributes.length > 0,
      type: 'realtime',
      keywords: t.name_es.toLowerCase(),
      group: 'Seguridad ciudadana',
      kind: 'incident',
      attributes,
    };
  });
  return [...services, CONDUCT];
}

/** Whether a code names an emergency type: Open311 refuses those with a pointer to 911. */
export async function isEmergencyType(db: Kysely<DB>, code: string): Promise<boolean> {
  const t = await db.selectFrom('incident_types').select('emergency').where('code', '=', code).where('active', '=', true).executeTakeFirst();
  return t?.emergency === true;
}
