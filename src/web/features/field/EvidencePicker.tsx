import { useState } from 'react';
import { useT } from '../../app/i18n';
import { enqueue, newKey } from './queue';

const hex = (buf: ArrayBuffer) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('');
const kindOf = (f: File) => (f.type.startsWith('image/') ? 'photo' : f.type.startsWith('audio/') ? 'audio' : 'document');

/** Hashes each file on the phone (SHA-256) before queueing it, so the server can prove it arrived intact. */
export async function queueEvidence(incidentId: string, file: File, label: string, reportId?: string) {
  const bytes = await file.arrayBuffer();
  const sha256 = hex(await crypto.subtle.digest('SHA-256', bytes));
  const query = new URLSearchParams({ incidentId, kind: kindOf(file), sha256, capturedAt: new Date(file.lastModified || Date.now()).toISOString(), name: file.name.slice(0, 200), ...(reportId ? { reportId } : {}) });
  await enqueue({ key: newKey(), kind: 'evidence', label: `${label}: ${file.name}`, path: `/field/evidence?${query}`, headers: { 'Content-Type': 'application/octet-stream' }, body: new Blob([bytes]) });
  return sha256;
}

export function EvidencePicker({ incidentId }: { incidentId: string }) {
  const t = useT();
  const [hashes, setHashes] = useState<{ name: string; sha256: string }[]>([]);
  const pick = async (files: FileList | null) => {
    for (const f of Array.from(files ?? [])) {
      const sha256 = await queueEvidence(incidentId, f, t('field.evidenceLabel'));
      setHashes((h) => [...h, { name: f.name, sha256 }]);
    }
  };
  return (
    <section className="field-card" aria-labelledby="evidence-title">
      <h2 id="evidence-title">{t('field.evidenceTitle')}</h2>
      <div className="field-row">
        <label className="field-button field-button--secondary field-file">
          {t('field.takePhoto')}
          <input type="file" accept="image/*" capture="environment" onChange={(e) => void pick(e.target.files).then(() => (e.target.value = ''))} />
        </label>
        <label className="field-button field-button--secondary field-file">
          {t('field.attachFile')}
          <input type="file" accept="image/*,audio/*,application/pdf" multiple onChange={(e) => void pick(e.target.files).then(() => (e.target.value = ''))} />
        </label>
      </div>
      {hashes.length > 0 ? (
        <ul className="field-hashes" aria-label={t('field.evidenceQueued')}>
          {hashes.map((h) => (
            <li key={h.sha256 + h.name}>
              {h.name} <code title={h.sha256}>SHA-256 {h.sha256.slice(0, 16)}…</code>
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
