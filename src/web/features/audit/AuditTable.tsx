import { useFormat, useT } from '../../app/i18n';
import { roleList } from '../../app/labels';
import { TableWrap } from '../../ui/Page';
import type { AuditEntry } from './api';

type Props = { entries: AuditEntry[]; onOpen: (entry: AuditEntry) => void; labelledBy: string };

export function entityText(entity: AuditEntry['entity']): string {
  if (!entity.type && !entity.id) return '—';
  return [entity.type, entity.id].filter(Boolean).join(' · ');
}

export function AuditTable({ entries, onOpen, labelledBy }: Props) {
  const t = useT();
  const fmt = useFormat();
  return (
    <TableWrap labelledBy={labelledBy}>
      <table className="table table--compact table--clickable" aria-labelledby={labelledBy}>
        <thead>
          <tr>
            <th scope="col" className="num">
              {t('audit.colSeq')}
            </th>
            <th scope="col">{t('audit.colTime')}</th>
            <th scope="col">{t('audit.colActor')}</th>
            <th scope="col">{t('audit.colRoles')}</th>
            <th scope="col">{t('audit.colAction')}</th>
            <th scope="col">{t('audit.colEntity')}</th>
            <th scope="col">{t('audit.colReason')}</th>
            <th scope="col">
              <span className="visually-hidden">{t('common.actions')}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e) => (
            // The whole row opens the detail for mouse users; the button is the keyboard path.
            <tr key={e.seq} onClick={() => onOpen(e)}>
              <td className="num mono">{e.seq}</td>
              <td className="nowrap" title={e.occurredAt}>
                {fmt.compact(e.occurredAt)}
              </td>
              <td>
                {e.actor.username ?? <em>{t('audit.system')}</em>}
                {e.actor.tokenId ? <span className="cell-sub">{t('audit.viaToken')}</span> : null}
              </td>
              <td>{e.actor.roles.length > 0 ? roleList(e.actor.roles, t.lang) : '—'}</td>
              <td className="mono">{e.action}</td>
              <td className="mono break">{entityText(e.entity)}</td>
              <td>
                {e.reason ? (
                  <>
                    <span className="mono">{e.reason.code}</span>
                    <span className="cell-sub clamp">{e.reason.text}</span>
                  </>
                ) : (
                  '—'
                )}
              </td>
              <td>
                <button
                  type="button"
                  className="button button--small button--secondary"
                  onClick={(ev) => {
                    ev.stopPropagation();
                    onOpen(e);
                  }}
                >
                  {t('audit.details')}
                  <span className="visually-hidden"> {e.seq}</span>
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}
