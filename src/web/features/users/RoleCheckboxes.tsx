import { useT } from '../../app/i18n';
import { CheckboxGroup } from '../../ui/Field';
import { useRoleCatalogue } from './useRoleOptions';

type Props = { selected: readonly string[]; onChange: (roles: string[]) => void; error?: string | undefined; legend?: string };

/** Roles as checkboxes with their labels; roles that require MFA say so in their description. */
export function RoleCheckboxes({ selected, onChange, error, legend }: Props) {
  const t = useT();
  const roles = useRoleCatalogue();
  return (
    <CheckboxGroup
      legend={legend ?? t('users.fieldRoles')}
      error={error}
      selected={selected}
      onChange={onChange}
      options={roles.map((r) => ({
        value: r.role,
        label: r.label[t.lang] || r.role,
        description: r.mfaRequired ? (
          <span className="tag" title={t('users.mfaRequiredLong')}>
            {t('users.mfaRequired')}
            <span className="visually-hidden">: {t('users.mfaRequiredLong')}</span>
          </span>
        ) : undefined,
      }))}
    />
  );
}
