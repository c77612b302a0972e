import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { apiFetch } from '../../app/api';
import { useFormat, useT } from '../../app/i18n';
import { ErrorAlert } from '../../ui/Alerts';
import { Chip } from '../../ui/Chip';
import { consoleKeys } from './api';

type DeviceFix = { id: string; status: string; lat: number | null; lon: number | null; radiusM: number | null; positionedAt: string | null; method: 'G' | 'W' | 'C' | 'N' | null; receivedAt: string };

/** AML fixes from the caller's handset: shown beside the stated location, adopted only by a person. */
export function DeviceLocations({ incidentId, version }: { incidentId: string; version: number }) {
  const t = useT();
  const fmt = useFormat();
  const qc = useQueryClient();
  const fixes = useQuery({
    queryKey: ['incidents', 'device-locations', incidentId, version],
    queryFn: () => apiFetch<{ items: DeviceFix[] }>(`/incidents/${encodeURIComponent(incidentId)}/device-locations`).then((r) => r.items.filter((f) => f.lat !== null)),
  });
  const adopt = useMutation({
    mutationFn: (id: string) => apiFetch(`/aml/messages/${encodeURIComponent(id)}/adopt`, { method: 'POST', body: { incidentId, version } }),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: consoleKeys.incident(incidentId) });
      void qc.invalidateQueries({ queryKey: ['incidents', 'device-locations', incidentId] });
    },
  });
  if (!fixes.data || fixes.data.length === 0) return null;
  return (
    <section aria-labelledby={`aml-${incidentId}`}>
      <h3 id={`aml-${incidentId}`}>{t('console.aml.title')}</h3>
      <ErrorAlert error={adopt.error} />
      <ul className="plain-list">
        {fixes.data.map((f) => (
          <li key={f.id}>
            <span className="mono">
              ({f.lat!.toFixed(5)}, {f.lon!.toFixed(5)})
            </span>{' '}
            <span className="muted">{t('console.aml.fix', { radius: f.radiusM ?? '?', method: t.maybe(`console.aml.method.${f.method}`, f.method ?? ''), when: fmt.compact(f.positionedAt ?? f.receivedAt) })}</span>{' '}
            {f.status === 'adopted' ? (
              <Chip tone="ok">{t('console.aml.adopted')}</Chip>
            ) : (
              <button type="button" className="button button--small" disabled={adopt.isPending} onClick={() => adopt.mutate(f.id)}>
                {t('console.aml.adopt')}
              </button>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
