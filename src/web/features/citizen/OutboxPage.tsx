import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useFormat, useT } from '../../app/i18n';
import { ErrorAlert, Loading } from '../../ui/Alerts';
import { SelectField } from '../../ui/Field';
import { PageHeader, TableWrap } from '../../ui/Page';
import { citizenApi, citizenKeys } from './api';

/** `/citizen-outbox`: every message to citizens; with no provider configured they are held here and never leave. */
export function OutboxPage() {
  const t = useT();
  const fmt = useFormat();
  const [status, setStatus] = useState('');
  const q = useQuery({ queryKey: citizenKeys.outbox(status), queryFn: () => citizenApi.outbox(status) });
  return (
    <>
      <PageHeader title={t('citizen.outbox.title')} intro={t('citizen.outbox.intro')} />
      <SelectField
        className="citizen-outbox-filter"
        label={t('citizen.outbox.status')}
        value={status}
        onChange={setStatus}
        placeholder={t('citizen.outbox.all')}
        options={['held', 'pending', 'sent', 'failed'].map((s) => ({ value: s, label: t.maybe(`citizen.outbox.status.${s}`, s) }))}
      />
      {q.isPending ? <Loading /> : null}
      <ErrorAlert error={q.error} />
      {q.data ? (
        <TableWrap labelledBy="outbox-table">
          <table className="table">
            <caption id="outbox-table">{t('citizen.outbox.caption', { n: q.data.length })}</caption>
            <thead>
              <tr>
                <th scope="col">{t('citizen.outbox.when')}</th>
                <th scope="col">{t('citizen.outbox.channel')}</th>
                <th scope="col">{t('citizen.outbox.recipient')}</th>
                <th scope="col">{t('citizen.outbox.kind')}</th>
                <th scope="col">{t('citizen.outbox.body')}</th>
                <th scope="col">{t('citizen.outbox.state')}</th>
              </tr>
            </thead>
            <tbody>
              {q.data.map((m) => (
                <tr key={m.id}>
                  <td>{fmt.compact(m.createdAt)}</td>
                  <td>{t.maybe(`citizen.channel.${m.channel}`, m.channel)}</td>
                  <td className="mono">{m.recipient}</td>
                  <td>{t.maybe(`citizen.outbox.kind.${m.kind}`, m.kind)}</td>
                  <td>{m.body}</td>
                  <td>{t.maybe(`citizen.outbox.status.${m.status}`, m.status)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      ) : null}
    </>
  );
}
