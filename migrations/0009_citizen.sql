-- Citizen channels (issue 6): web reports without an account, tracking by code, messaging webhooks,
-- outgoing messages held in an outbox when no provider is configured.

-- What a citizen may choose; sensitive incident types (sexual violence, homicide, kidnapping…) are left to the 911 call.
CREATE TABLE citizen_report_types (
  code text PRIMARY KEY,
  incident_type_code text NOT NULL REFERENCES incident_types (code),
  label_es text NOT NULL,
  label_en text NOT NULL,
  position smallint NOT NULL
);
INSERT INTO citizen_report_types (code, incident_type_code, label_es, label_en, position) VALUES
  ('theft',             'ROB',   'Robo o hurto',                   'Robbery or theft',             1),
  ('suspicious',        'SUSP',  'Persona o vehículo sospechoso',  'Suspicious person or vehicle', 2),
  ('disturbance',       'DIST',  'Riña o alteración del orden',    'Fight or disturbance',         3),
  ('threats',           'THR',   'Amenazas',                       'Threats',                      4),
  ('traffic_accident',  'TA',    'Accidente de tránsito',          'Traffic accident',             5),
  ('noise',             'NOISE', 'Ruido excesivo',                 'Excessive noise',              6),
  ('abandoned_vehicle', 'ABVEH', 'Vehículo abandonado',            'Abandoned vehicle',            7),
  ('other',             'ASST',  'Otro / necesito asistencia',     'Other / I need assistance',    8);

-- Proof-of-work challenges: issued to a device, solved by the browser, consumed once with the report.
CREATE TABLE citizen_challenges (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  nonce text NOT NULL,
  bits smallint NOT NULL CHECK (bits BETWEEN 0 AND 32),
  device_hash text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at timestamptz
);
CREATE INDEX citizen_challenges_expiry ON citizen_challenges (expires_at);

-- One case followed by a citizen: a web report or a messaging conversation, always tied to an incident.
CREATE TABLE citizen_reports (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  code_hash text NOT NULL UNIQUE,
  incident_id uuid NOT NULL REFERENCES incidents (id),
  channel text NOT NULL CHECK (channel IN ('web', 'whatsapp', 'telegram', 'sms')),
  report_type text REFERENCES citizen_report_types (code),
  anonymous boolean NOT NULL,
  contact_name text,
  contact_phone text,
  contact_email text,
  -- The sender on a messaging channel (WhatsApp id, Telegram chat id, phone number).
  address text,
  notified_status text NOT NULL DEFAULT 'received',
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK (NOT anonymous OR (contact_name IS NULL AND contact_phone IS NULL AND contact_email IS NULL AND address IS NULL))
);
CREATE INDEX citizen_reports_incident ON citizen_reports (incident_id);
CREATE INDEX citizen_reports_conversation ON citizen_reports (channel, address, created_at) WHERE address IS NOT NULL;

CREATE TABLE citizen_messages (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  report_id uuid NOT NULL REFERENCES citizen_reports (id),
  direction text NOT NULL CHECK (direction IN ('in', 'out')),
  channel text NOT NULL,
  body text NOT NULL DEFAULT '',
  -- Who answered from the console; never shown to the citizen.
  author_id uuid REFERENCES users (id),
  provider_message_id text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX citizen_messages_report ON citizen_messages (report_id, created_at);
-- A provider that delivers the same message twice is applied once.
CREATE UNIQUE INDEX citizen_messages_provider_id ON citizen_messages (channel, provider_message_id) WHERE provider_message_id IS NOT NULL;

CREATE TABLE citizen_attachments (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  report_id uuid NOT NULL REFERENCES citizen_reports (id),
  message_id uuid REFERENCES citizen_messages (id),
  media_type text NOT NULL CHECK (media_type IN ('image/jpeg', 'image/png', 'image/webp')),
  size_bytes integer NOT NULL,
  sha256 text NOT NULL,
  content bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX citizen_attachments_report ON citizen_attachments (report_id);

CREATE TABLE citizen_ratings (
  report_id uuid PRIMARY KEY REFERENCES citizen_reports (id),
  score smallint NOT NULL CHECK (score BETWEEN 1 AND 5),
  comment text,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Every message to a citizen; with no provider configured for its channel it stays here as 'held'.
CREATE TABLE citizen_outbox (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  report_id uuid NOT NULL REFERENCES citizen_reports (id),
  message_id uuid REFERENCES citizen_messages (id),
  kind text NOT NULL CHECK (kind IN ('receipt', 'status', 'reply')),
  channel text NOT NULL CHECK (channel IN ('whatsapp', 'telegram', 'sms', 'email')),
  recipient text NOT NULL,
  body text NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'held', 'sent', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  last_error text,
  provider_message_id text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX citizen_outbox_created ON citizen_outbox (created_at);
CREATE INDEX citizen_outbox_pending ON citizen_outbox (created_at) WHERE status = 'pending';

-- Accepted submissions per hashed address or device, for the hourly limits; kept apart from the
-- reports so that an anonymous report cannot be tied back to an address.
CREATE TABLE citizen_rate_events (
  key_hash text NOT NULL,
  at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX citizen_rate_events_key ON citizen_rate_events (key_hash, at);

-- Key of the HMAC that hashes addresses and device ids for the limits above; random per installation.
CREATE TABLE citizen_secrets (
  name text PRIMARY KEY,
  value text NOT NULL
);
INSERT INTO citizen_secrets (name, value) VALUES ('rate_key', replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''));
