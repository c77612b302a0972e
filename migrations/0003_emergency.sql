-- 911 core: incident types and protocols, incidents with an append-only timeline, units, dispatch.

CREATE TABLE incident_types (
  code text PRIMARY KEY,
  name_es text NOT NULL,
  name_en text NOT NULL,
  default_priority smallint NOT NULL CHECK (default_priority BETWEEN 1 AND 4),
  -- [{ "capability": "patrol_car", "count": 2 }]
  required_units jsonb NOT NULL DEFAULT '[]',
  emergency boolean NOT NULL DEFAULT true,
  active boolean NOT NULL DEFAULT true
);

CREATE TABLE protocol_questions (
  type_code text NOT NULL REFERENCES incident_types (code),
  key text NOT NULL,
  position smallint NOT NULL,
  prompt_es text NOT NULL,
  prompt_en text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('yes_no', 'choice', 'number', 'text')),
  options jsonb,
  PRIMARY KEY (type_code, key)
);

-- "weapons present = yes" -> P1: a rule raises (never lowers) the priority.
CREATE TABLE priority_rules (
  type_code text NOT NULL,
  question_key text NOT NULL,
  operator text NOT NULL CHECK (operator IN ('eq', 'gte', 'lte', 'in')),
  value jsonb NOT NULL,
  priority smallint NOT NULL CHECK (priority BETWEEN 1 AND 4),
  FOREIGN KEY (type_code, question_key) REFERENCES protocol_questions (type_code, key)
);

CREATE TABLE priority_targets (
  priority smallint PRIMARY KEY CHECK (priority BETWEEN 1 AND 4),
  answer_to_dispatch_seconds integer NOT NULL CHECK (answer_to_dispatch_seconds > 0),
  dispatch_to_arrival_seconds integer NOT NULL CHECK (dispatch_to_arrival_seconds > 0)
);

CREATE TABLE disposition_codes (
  code text PRIMARY KEY,
  label_es text NOT NULL,
  label_en text NOT NULL
);

CREATE TABLE incidents (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  number text NOT NULL UNIQUE,
  type_code text NOT NULL REFERENCES incident_types (code),
  priority smallint NOT NULL CHECK (priority BETWEEN 1 AND 4),
  status text NOT NULL CHECK (status IN ('received', 'dispatched', 'en_route', 'on_scene', 'resolved', 'closed', 'cancelled', 'merged')),
  version integer NOT NULL DEFAULT 1,
  source text NOT NULL DEFAULT 'call',
  caller_number text,
  caller_name text,
  description text NOT NULL DEFAULT '',
  department text,
  lat double precision,
  lon double precision,
  current_location_id uuid,
  duplicate_of uuid REFERENCES incidents (id),
  merged_into uuid REFERENCES incidents (id),
  disposition_code text REFERENCES disposition_codes (code),
  closure_summary text,
  pending_cancellation uuid,
  call_received_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  first_dispatched_at timestamptz,
  first_en_route_at timestamptz,
  first_on_scene_at timestamptz,
  resolved_at timestamptz,
  closed_at timestamptz,
  escalated_dispatch_at timestamptz,
  escalated_arrival_at timestamptz,
  created_by uuid REFERENCES users (id),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX incidents_open ON incidents (status, priority, created_at) WHERE status NOT IN ('closed', 'cancelled', 'merged');
CREATE INDEX incidents_created ON incidents (created_at);
CREATE INDEX incidents_department ON incidents (department, created_at);
CREATE SEQUENCE incident_number_seq;

-- A location is never overwritten: each one is appended and a person picks the current one.
CREATE TABLE incident_locations (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  incident_id uuid NOT NULL REFERENCES incidents (id),
  lat double precision,
  lon double precision,
  address_text text,
  landmark text,
  department text,
  source text NOT NULL CHECK (source IN ('caller_stated', 'map_click', 'device', 'department')),
  accuracy_m double precision,
  created_by uuid REFERENCES users (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((lat IS NULL) = (lon IS NULL)),
  CHECK (lat IS NOT NULL OR address_text IS NOT NULL OR landmark IS NOT NULL OR department IS NOT NULL)
);
CREATE INDEX incident_locations_incident ON incident_locations (incident_id, created_at);

CREATE TABLE incident_answers (
  incident_id uuid NOT NULL REFERENCES incidents (id),
  question_key text NOT NULL,
  value jsonb NOT NULL,
  answered_by uuid REFERENCES users (id),
  answered_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX incident_answers_incident ON incident_answers (incident_id, answered_at);

CREATE TABLE incident_timeline (
  id bigserial PRIMARY KEY,
  incident_id uuid NOT NULL REFERENCES incidents (id),
  at timestamptz NOT NULL DEFAULT now(),
  actor_id uuid,
  actor_username text,
  kind text NOT NULL,
  data jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX incident_timeline_incident ON incident_timeline (incident_id, id);
CREATE TRIGGER incident_timeline_append_only BEFORE UPDATE OR DELETE ON incident_timeline
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();

CREATE TABLE units (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  call_sign text NOT NULL UNIQUE,
  unit_type text NOT NULL CHECK (unit_type IN ('patrol_car', 'motorcycle', 'ambulance', 'fire', 'specialised')),
  capabilities text[] NOT NULL,
  home_station text NOT NULL,
  department text NOT NULL,
  status text NOT NULL DEFAULT 'off_duty' CHECK (status IN ('available', 'dispatched', 'en_route', 'on_scene', 'busy', 'out_of_service', 'off_duty')),
  status_changed_at timestamptz NOT NULL DEFAULT now(),
  current_incident_id uuid REFERENCES incidents (id),
  lat double precision,
  lon double precision,
  position_at timestamptz,
  position_accuracy_m double precision,
  version integer NOT NULL DEFAULT 1,
  active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX units_available ON units (status, department) WHERE active;

CREATE TABLE unit_crew (
  unit_id uuid NOT NULL REFERENCES units (id),
  user_id uuid NOT NULL REFERENCES users (id),
  PRIMARY KEY (unit_id, user_id)
);

CREATE TABLE unit_status_history (
  id bigserial PRIMARY KEY,
  unit_id uuid NOT NULL REFERENCES units (id),
  status text NOT NULL,
  incident_id uuid REFERENCES incidents (id),
  at timestamptz NOT NULL DEFAULT now(),
  actor_id uuid
);
CREATE INDEX unit_status_history_unit ON unit_status_history (unit_id, at);

CREATE TABLE unit_positions (
  id bigserial PRIMARY KEY,
  unit_id uuid NOT NULL REFERENCES units (id),
  lat double precision NOT NULL,
  lon double precision NOT NULL,
  accuracy_m double precision,
  heading double precision,
  speed_mps double precision,
  recorded_at timestamptz NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX unit_positions_unit ON unit_positions (unit_id, recorded_at);

CREATE TABLE assignments (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  incident_id uuid NOT NULL REFERENCES incidents (id),
  unit_id uuid NOT NULL REFERENCES units (id),
  assigned_at timestamptz NOT NULL DEFAULT now(),
  assigned_by uuid REFERENCES users (id),
  recommended_rank integer,
  released_at timestamptz
);
-- The database itself guarantees a unit is committed to at most one incident at a time.
CREATE UNIQUE INDEX assignments_one_active_per_unit ON assignments (unit_id) WHERE released_at IS NULL;
CREATE INDEX assignments_incident ON assignments (incident_id);

CREATE TABLE dispatch_settings (
  key text PRIMARY KEY,
  value jsonb NOT NULL
);
INSERT INTO dispatch_settings (key, value) VALUES
  ('speed_kmh', '{"patrol_car": 45, "motorcycle": 50, "ambulance": 45, "fire": 35, "specialised": 40}'),
  ('road_factor', '1.35'),
  ('stale_position_seconds', '300'),
  ('stale_position_penalty_seconds', '300'),
  ('related_radius_m', '500'),
  ('related_window_minutes', '60');

INSERT INTO priority_targets (priority, answer_to_dispatch_seconds, dispatch_to_arrival_seconds) VALUES
  (1, 60, 600), (2, 120, 900), (3, 300, 1800), (4, 900, 3600);

INSERT INTO disposition_codes (code, label_es, label_en) VALUES
  ('arrest', 'Detención en flagrancia', 'Arrest made'),
  ('report_taken', 'Denuncia levantada', 'Report taken'),
  ('assistance_given', 'Asistencia brindada', 'Assistance given'),
  ('referred', 'Remitido a otra institución', 'Referred to another agency'),
  ('transported', 'Traslado a centro asistencial', 'Transported to care'),
  ('unfounded', 'Sin novedad / infundado', 'Unfounded'),
  ('gone_on_arrival', 'No localizado al llegar', 'Gone on arrival'),
  ('false_alarm', 'Falsa alarma', 'False alarm'),
  ('duplicate', 'Duplicado', 'Duplicate');

INSERT INTO reason_codes (action, code, label_es, label_en) VALUES
  ('emergency.override_recommendation', 'closer_in_reality', 'Unidad más cercana en realidad (posición desactualizada)', 'Actually closer (stale position)'),
  ('emergency.override_recommendation', 'specialised_need', 'Se requiere capacidad específica', 'Specific capability needed'),
  ('emergency.override_recommendation', 'crew_knowledge', 'Conocimiento del lugar o del caso', 'Knowledge of the place or case'),
  ('emergency.override_recommendation', 'other', 'Otro motivo (explicar)', 'Other reason (explain)'),
  ('emergency.lower_priority', 'caller_clarified', 'El llamante aclaró la situación', 'Caller clarified the situation'),
  ('emergency.lower_priority', 'no_threat', 'Sin amenaza actual a la vida', 'No current threat to life'),
  ('emergency.lower_priority', 'other', 'Otro motivo (explicar)', 'Other reason (explain)'),
  ('emergency.cancel', 'caller_cancelled', 'El llamante canceló', 'Caller cancelled'),
  ('emergency.cancel', 'prank_call', 'Llamada falsa', 'Prank call'),
  ('emergency.cancel', 'handled_elsewhere', 'Atendido por otra institución', 'Handled by another agency'),
  ('emergency.cancel', 'other', 'Otro motivo (explicar)', 'Other reason (explain)'),
  ('emergency.close_without_on_scene', 'resolved_by_phone', 'Resuelto por teléfono', 'Resolved by phone'),
  ('emergency.close_without_on_scene', 'no_units_needed', 'No requería unidades', 'No units needed'),
  ('emergency.close_without_on_scene', 'other', 'Otro motivo (explicar)', 'Other reason (explain)'),
  ('emergency.reopen', 'new_information', 'Nueva información', 'New information'),
  ('emergency.reopen', 'closed_in_error', 'Cerrado por error', 'Closed in error'),
  ('emergency.reopen', 'other', 'Otro motivo (explicar)', 'Other reason (explain)'),
  ('emergency.unmerge', 'not_same_event', 'No era el mismo hecho', 'Not the same event'),
  ('emergency.unmerge', 'other', 'Otro motivo (explicar)', 'Other reason (explain)');
