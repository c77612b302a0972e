import { PDFDocument, StandardFonts, rgb } from 'pdf-lib';

type Item = { id: string; kind: string; content_type: string; size_bytes: number; sha256: string; original_name: string | null; captured_at: Date; uploaded_at: Date };
type Event = { id: number; kind: string; at: Date; actor_username: string | null; reason: string | null; recipient: string | null; sha256: string };

const KIND_ES: Record<string, string> = {
  captured: 'Captura',
  uploaded: 'Carga al sistema',
  viewed: 'Consulta',
  downloaded: 'Descarga',
  exported: 'Exportación',
  transferred_to_person: 'Entrega a persona',
  transferred_to_prosecutor: 'Remisión a Fiscalía',
};

// Standard PDF fonts cover Latin-1 only: anything else is replaced rather than failing the report.
const latin1 = (s: string) => s.replace(/[^\x20-\x7e\xa0-\xff]/g, '?');

/** The chain of custody of one evidence item as a printable PDF (Spanish, the language of the court). */
export async function custodyReportPdf(input: { item: Item; incidentNumber: string; chain: Event[]; generatedBy: string; generatedAt: Date }): Promise<Buffer> {
  const pdf = await PDFDocument.create();
  pdf.setTitle(`Cadena de custodia ${input.item.id}`);
  pdf.setCreator('Centinela');
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  const bold = await pdf.embedFont(StandardFonts.HelveticaBold);
  let page = pdf.addPage([595, 842]);
  let y = 800;
  const line = (text: string, opts: { size?: number; f?: typeof font; indent?: number } = {}) => {
    if (y < 60) {
      page = pdf.addPage([595, 842]);
      y = 800;
    }
    page.drawText(latin1(text), { x: 50 + (opts.indent ?? 0), y, size: opts.size ?? 10, font: opts.f ?? font, color: rgb(0, 0, 0) });
    y -= (opts.size ?? 10) + 6;
  };
  const { item } = input;
  line('Informe de cadena de custodia', { size: 18, f: bold });
  line(`Incidente ${input.incidentNumber}`, { size: 12 });
  y -= 6;
  line(`Evidencia: ${item.id}`);
  line(`Tipo: ${item.kind} (${item.content_type}), ${item.size_bytes} bytes${item.original_name ? `, archivo "${item.original_name}"` : ''}`);
  line(`SHA-256: ${item.sha256}`, { f: bold });
  line(`Capturada: ${item.captured_at.toISOString()}   Cargada: ${item.uploaded_at.toISOString()}`);
  y -= 8;
  line('Eventos de custodia', { size: 13, f: bold });
  for (const e of input.chain) {
    line(`${e.id}. ${e.at.toISOString()}  ${KIND_ES[e.kind] ?? e.kind}  por ${e.actor_username ?? 'sistema'}`, { f: bold });
    if (e.recipient) line(`Destinatario: ${e.recipient}`, { indent: 14 });
    if (e.reason) line(`Motivo: ${e.reason}`, { indent: 14 });
    line(`SHA-256 en ese momento: ${e.sha256}`, { indent: 14, size: 8 });
  }
  y -= 8;
  line(`Generado por ${input.generatedBy} el ${input.generatedAt.toISOString()}. Cada evento consta en la bitácora de auditoría encadenada.`, { size: 8 });
  return Buffer.from(await pdf.save());
}
