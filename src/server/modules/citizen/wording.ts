/** Outgoing texts to citizens (Spanish, the language of the service); no names, no internal detail. */
export const EMERGENCY_NOTICE = 'Si es una emergencia en curso, llame al 911.';

export function receiptText(code: string, baseUrl: string): string {
  return `Centinela 911: recibimos su reporte. Código de seguimiento: ${code}. Consulte su avance en ${trackingUrl(baseUrl, code)} . ${EMERGENCY_NOTICE}`;
}

export const trackingUrl = (baseUrl: string, code: string) => `${baseUrl.replace(/\/$/, '')}/seguimiento/${code}`;

const STATUS_TEXT: Record<string, string> = {
  received: 'su reporte volvió a la cola de atención.',
  dispatched: 'se asignó una unidad a su reporte.',
  en_route: 'la unidad va en camino.',
  on_scene: 'la unidad llegó al lugar.',
  resolved: 'su reporte fue atendido.',
  closed: 'el caso fue cerrado. Puede calificar la atención en la página de seguimiento.',
  cancelled: 'el caso fue cerrado sin intervención.',
  merged: 'su reporte se unió a otro reporte del mismo hecho.',
};

export function statusText(status: string): string {
  return `Centinela 911: ${STATUS_TEXT[status] ?? 'hay novedades en su reporte.'}`;
}
