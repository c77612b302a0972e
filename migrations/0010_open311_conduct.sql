-- Open311 GeoReport v2, Advanced Mobile Location (AML) and complaints about police conduct.

-- API keys of Open311 clients: only the SHA-256 of the key is kept (shown once on creation).
CREATE TABLE open311_api_keys (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL,
  key_hash text NOT NULL UNIQUE,
  created_by uuid REFERENCES users (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz,
  last_used_at timestamptz
);

-- A request received through Open311: what the client sent, and what it became (an incident or a complaint).
CREATE TABLE open311_requests (
  id text PRIMARY KEY,
  token text NOT NULL UNIQUE,
  api_key_id uuid NOT NULL REFERENCES open311_api_keys (id),
  service_code text NOT NULL,
  incident_id uuid REFERENCES incidents (id),
  complaint_id uuid,
  lat double precision,
  lon double precision,
  address_string text,
  email text,
  device_id text,
  account_id text,
  first_name text,
  last_name text,
  phone text,
  description text,
  media_url text,
  attributes jsonb NOT NULL DEFAULT '{}',
  requested_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((incident_id IS NULL) <> (complaint_id IS NULL))
);
CREATE INDEX open311_requests_time ON open311_requests (requested_at);
CREATE INDEX open311_requests_incident ON open311_requests (incident_id);

-- AML messages as received, valid or not: a malformed one is kept with the reason for inspection.
CREATE TABLE aml_messages (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  received_at timestamptz NOT NULL DEFAULT now(),
  transport text NOT NULL CHECK (transport IN ('sms', 'https')),
  raw text NOT NULL,
  status text NOT NULL CHECK (status IN ('rejected', 'no_position', 'unmatched', 'attached', 'adopted')),
  reject_reason text,
  caller_number text,
  lat double precision,
  lon double precision,
  radius_m double precision,
  positioned_at timestamptz,
  confidence smallint,
  method text CHECK (method IN ('G', 'W', 'C', 'N')),
  imsi text,
  imei text,
  mcc text,
  mnc text,
  incident_id uuid REFERENCES incidents (id),
  location_id uuid REFERENCES incident_locations (id),
  CHECK ((status = 'rejected') = (reject_reason IS NOT NULL))
);
CREATE INDEX aml_messages_caller ON aml_messages (caller_number, received_at);
CREATE INDEX aml_messages_time ON aml_messages (received_at);

-- A device fix from AML is its own location source: a call-taker adopts it, it never replaces the stated one.
ALTER TABLE incident_locations DROP CONSTRAINT incident_locations_source_check;
ALTER TABLE incident_locations ADD CONSTRAINT incident_locations_source_check
  CHECK (source IN ('caller_stated', 'map_click', 'device', 'department', 'aml'));

-- Complaints about police conduct: read by internal affairs and auditors only, never by the command centre.
CREATE TABLE conduct_complaints (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tracking_hash text NOT NULL UNIQUE,
  channel text NOT NULL CHECK (channel IN ('web', 'open311')),
  anonymous boolean NOT NULL,
  contact_name text,
  contact_phone text,
  contact_email text,
  occurred_at timestamptz,
  place_text text,
  lat double precision,
  lon double precision,
  department text,
  officer_description text,
  badge_number text,
  unit_text text,
  description text NOT NULL,
  status text NOT NULL DEFAULT 'received' CHECK (status IN ('received', 'under_investigation', 'closed')),
  outcome text CHECK (outcome IN ('substantiated', 'not_substantiated', 'exonerated', 'unfounded', 'withdrawn', 'referred')),
  outcome_summary text,
  closed_at timestamptz,
  version integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK (NOT anonymous OR (contact_name IS NULL AND contact_phone IS NULL AND contact_email IS NULL)),
  CHECK ((status = 'closed') = (outcome IS NOT NULL))
);
CREATE INDEX conduct_complaints_created ON conduct_complaints (created_at);

CREATE TABLE conduct_complaint_links (
  complaint_id uuid NOT NULL REFERENCES conduct_complaints (id),
  incident_id uuid REFERENCES incidents (id),
  unit_id uuid REFERENCES units (id),
  linked_by uuid REFERENCES users (id),
  linked_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((incident_id IS NULL) <> (unit_id IS NULL))
);
CREATE UNIQUE INDEX conduct_links_incident ON conduct_complaint_links (complaint_id, incident_id) WHERE incident_id IS NOT NULL;
CREATE UNIQUE INDEX conduct_links_unit ON conduct_complaint_links (complaint_id, unit_id) WHERE unit_id IS NOT NULL;

ALTER TABLE open311_requests ADD CONSTRAINT open311_requests_complaint FOREIGN KEY (complaint_id) REFERENCES conduct_complaints (id);

-- Protocol questions for the non-emergency types, which Open311 publishes as service attributes.
INSERT INTO protocol_questions (type_code, key, position, prompt_es, prompt_en, kind, options) VALUES
  ('NOISE', 'ongoing', 1, '¿El ruido continúa en este momento?', 'Is the noise still going on?', 'yes_no', NULL),
  ('NOISE', 'noise_kind', 2, 'Tipo de ruido', 'Kind of noise', 'choice', '[{"value":"music","es":"Música o fiesta","en":"Music or party"},{"value":"works","es":"Obras o maquinaria","en":"Works or machinery"},{"value":"other","es":"Otro","en":"Other"}]'),
  ('ABVEH', 'days_parked', 1, '¿Cuántos días lleva estacionado?', 'How many days has it been parked?', 'number', NULL),
  ('ABVEH', 'plate', 2, 'Placa del vehículo', 'Licence plate', 'text', NULL);
