-- Reactivating an account (perhaps one deactivated as compromised) is discretionary: it needs a reason.
INSERT INTO reason_codes (action, code, label_es, label_en) VALUES
  ('identity.reactivate_user', 'returned', 'Regresó a la institución', 'Returned to the institution'),
  ('identity.reactivate_user', 'suspension_ended', 'Terminó la suspensión', 'Suspension ended'),
  ('identity.reactivate_user', 'deactivated_in_error', 'Se desactivó por error', 'Deactivated in error'),
  ('identity.reactivate_user', 'other', 'Otro motivo (explicar)', 'Other reason (explain)');
