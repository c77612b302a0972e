import { Link } from 'react-router';
import type { Permission } from '../../../common/roles';
import { useT, type MessageKey } from '../../app/i18n';
import { roleLabel } from '../../app/labels';
import { Chip } from '../../ui/Chip';
import { PageHeader } from '../../ui/Page';
import { useMe } from '../auth/session';

type Card = { to: string; permission: Permission | null; link: MessageKey; text: MessageKey; textReadOnly?: { unless: Permission; key: MessageKey } };

// Link texts deliberately differ from the navigation names so each link has a unique accessible name.
const CARDS: Card[] = [
  { to: '/users', permission: 'users:read', link: 'home.users.link', text: 'home.users.text', textReadOnly: { unless: 'users:manage', key: 'home.users.textRead' } },
  { to: '/audit', permission: 'audit:read', link: 'home.audit.link', text: 'home.audit.text' },
  { to: '/approvals', permission: 'approvals:read', link: 'home.approvals.link', text: 'home.approvals.text', textReadOnly: { unless: 'approvals:decide', key: 'home.approvals.textRead' } },
  { to: '/account', permission: null, link: 'home.account.link', text: 'home.account.text' },
];

function greetingKey(hour: number): MessageKey {
  if (hour >= 5 && hour < 12) return 'home.morning';
  if (hour >= 12 && hour < 19) return 'home.afternoon';
  return 'home.evening';
}

export function HomePage() {
  const t = useT();
  const me = useMe();
  const can = (p: Permission) => me.permissions.includes(p);
  const cards = CARDS.filter((c) => c.permission === null || can(c.permission));
  const sectionCards = cards.filter((c) => c.permission !== null);

  return (
    <section>
      <PageHeader title={t(greetingKey(new Date().getHours()), { name: me.displayName || me.username })} />
      <div className="home-grid">
        <section className="panel" aria-labelledby="home-roles">
          <h2 id="home-roles">{t('home.yourRoles')}</h2>
          {me.roles.length === 0 ? (
            <p>{t('home.noRoles')}</p>
          ) : (
            <ul className="chip-list">
              {me.roles.map((r) => (
                <li key={r}>
                  <Chip tone="info" icon={false}>
                    {roleLabel(r, t.lang)}
                  </Chip>
                </li>
              ))}
            </ul>
          )}
          <p className="muted">{me.mfaEnabled ? t('home.mfaOn') : t('home.mfaOff')}</p>
        </section>
        <section className="panel home-actions" aria-labelledby="home-actions">
          <h2 id="home-actions">{t('home.whatYouCanDo')}</h2>
          {sectionCards.length === 0 ? <p>{t('home.nothing')}</p> : null}
          <ul className="action-cards">
            {cards.map((c) => (
              <li key={c.to} className="action-card">
                <Link to={c.to} className="action-card-link">
                  {t(c.link)}
                </Link>
                <p>{c.textReadOnly && !can(c.textReadOnly.unless) ? t(c.textReadOnly.key) : t(c.text)}</p>
              </li>
            ))}
          </ul>
        </section>
      </div>
    </section>
  );
}
