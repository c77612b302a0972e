/** Stable error codes with their Spanish and English messages; the web app shows the same texts. */
export const ERROR_MESSAGES = {
  validation_failed: { es: 'Los datos enviados no son válidos.', en: 'The submitted data is not valid.' },
  malformed_body: { es: 'El cuerpo de la solicitud no es JSON válido.', en: 'The request body is not valid JSON.' },
  body_too_large: { es: 'La solicitud es demasiado grande.', en: 'The request is too large.' },
  unsupported_media_type: { es: 'Tipo de contenido no admitido.', en: 'Unsupported content type.' },
  not_found: { es: 'No se encontró el recurso solicitado.', en: 'The requested resource was not found.' },
  unauthenticated: { es: 'Debe iniciar sesión.', en: 'You must sign in.' },
  session_expired: { es: 'Su sesión expiró. Inicie sesión de nuevo.', en: 'Your session expired. Please sign in again.' },
  forbidden: { es: 'No tiene permiso para esta acción.', en: 'You do not have permission for this action.' },
  mfa_required: { es: 'Ingrese el código de su aplicación de autenticación.', en: 'Enter the code from your authenticator app.' },
  mfa_enrolment_required: { es: 'Debe configurar la verificación en dos pasos.', en: 'You must set up two-step verification.' },
  password_change_required: { es: 'Debe cambiar su contraseña temporal antes de continuar.', en: 'You must change your temporary password before continuing.' },
  invalid_credentials: { es: 'Usuario o contraseña incorrectos.', en: 'Wrong username or password.' },
  account_locked: { es: 'Cuenta bloqueada temporalmente por intentos fallidos. Intente en {seconds} s.', en: 'Account temporarily locked after failed attempts. Try again in {seconds} s.' },
  account_inactive: { es: 'La cuenta está desactivada.', en: 'The account is deactivated.' },
  invalid_mfa_code: { es: 'Código de verificación incorrecto.', en: 'Wrong verification code.' },
  weak_password: { es: 'La contraseña no cumple la política: {rule}.', en: 'The password does not meet the policy: {rule}.' },
  wrong_password: { es: 'La contraseña actual es incorrecta.', en: 'The current password is wrong.' },
  username_taken: { es: 'Ese nombre de usuario ya existe.', en: 'That username already exists.' },
  self_role_change: { es: 'No puede cambiar sus propios roles.', en: 'You cannot change your own roles.' },
  self_action: { es: 'No puede realizar esta acción sobre su propia cuenta.', en: 'You cannot perform this action on your own account.' },
  last_administrator: { es: 'Debe quedar al menos un administrador activo.', en: 'At least one active administrator must remain.' },
  csrf_origin_mismatch: { es: 'Origen de la solicitud no permitido.', en: 'Request origin not allowed.' },
  rate_limited: { es: 'Demasiadas solicitudes. Intente de nuevo en un momento.', en: 'Too many requests. Try again shortly.' },
  reason_required: { es: 'Esta acción requiere un motivo del catálogo y una explicación.', en: 'This action requires a reason from the catalogue and an explanation.' },
  unknown_reason_code: { es: 'El motivo "{code}" no existe para esta acción.', en: 'Reason "{code}" does not exist for this action.' },
  approval_pending: { es: 'Ya existe una solicitud pendiente de aprobación para esto.', en: 'An approval request is already pending for this.' },
  approval_not_pending: { es: 'La solicitud ya fue resuelta ({status}).', en: 'The request was already decided ({status}).' },
  approver_is_requester: { es: 'Quien solicita no puede aprobar su propia solicitud.', en: 'The requester cannot approve their own request.' },
  approver_not_independent: { es: 'Quien solicita le otorgó el rol {role}: no puede aprobar su solicitud.', en: 'The requester granted you the {role} role: you cannot approve their request.' },
  approver_lacks_role: { es: 'Se requiere el rol {role} para decidir.', en: 'The {role} role is required to decide.' },
  conflict: { es: 'El recurso cambió o está en un estado que no permite esta acción.', en: 'The resource changed or is in a state that does not allow this action.' },
  invalid_witness_checkpoint: { es: 'El punto de control del testigo no es válido: {why}.', en: 'The witness checkpoint is not valid: {why}.' },
  stale_version: { es: 'Otra persona modificó este registro (versión actual {currentVersion}). Recargue y vuelva a intentar.', en: 'Someone else changed this record (current version {currentVersion}). Reload and try again.' },
  illegal_transition: { es: 'No se puede pasar de "{from}" a "{to}".', en: 'Cannot go from "{from}" to "{to}".' },
  unit_committed: { es: 'La unidad {callSign} ya está asignada al incidente {incidentNumber}.', en: 'Unit {callSign} is already committed to incident {incidentNumber}.' },
  unit_not_available: { es: 'La unidad {callSign} no está disponible ({status}).', en: 'Unit {callSign} is not available ({status}).' },
  unknown_incident_type: { es: 'Tipo de incidente desconocido: {code}.', en: 'Unknown incident type: {code}.' },
  invalid_answer: { es: 'Respuesta no válida para la pregunta "{key}".', en: 'Invalid answer for question "{key}".' },
  location_required: { es: 'Indique una ubicación: coordenadas, dirección, punto de referencia o departamento.', en: 'Give a location: coordinates, address, landmark or department.' },
  call_sign_taken: { es: 'Ya existe una unidad con ese indicativo.', en: 'A unit with that call sign already exists.' },
  internal_error: { es: 'Error interno. El incidente quedó registrado con el identificador {requestId}.', en: 'Internal error. It was logged with id {requestId}.' },
} as const satisfies Record<string, { es: string; en: string }>;

export type ErrorCode = keyof typeof ERROR_MESSAGES;
export type Lang = 'es' | 'en';

export function errorMessage(code: ErrorCode, lang: Lang, params: Record<string, string | number> = {}): string {
  return ERROR_MESSAGES[code][lang].replace(/\{(\w+)\}/g, (_, k: string) => String(params[k] ?? `{${k}}`));
}
