import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useRef, useState, type FormEvent } from 'react';
import { fieldErrorOf } from '../../app/api';
import { useFormat, useT } from '../../app/i18n';
import { ErrorAlert, Loading, Notice } from '../../ui/Alerts';
import { Chip } from '../../ui/Chip';
import { CheckboxGroup, TextField } from '../../ui/Field';
import { TableWrap } from '../../ui/Page';
import { useMe } from '../auth/session';
import { accountApi, accountKeys, type ApiToken, type CreatedToken } from './api';

function tokenState(tk: ApiToken, now: number): 'revoked' | 'expired' | 'active' {
  if (tk.revokedAt) return 'revoked';
  if (tk.expiresAt && new Date(tk.expiresAt).getTime() <= now) return 'expired';
  return 'active';
}

/** Shown once after creation: the secret value with a copy button. */
function CreatedTokenBox({ created, onDone }: { created: CreatedToken; onDone: () => void }) {
  const t = useT();
  const inputRef = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    inputRef.current?.select();
    try {
      await navigator.clipboard.writeText(created.token);
      setCopied(true);
    } catch {
      // Without clipboard access (plain http), the selected text can be copied with Ctrl+C.
      setCopied(false);
    }
  };
  return (
    <div className="callout callout--success" role="region" aria-labelledby="token-created-title">
      <h3 id="token-created-title">{t('account.tokenCreatedTitle', { name: created.name })}</h3>
      <p>{t('account.tokenCreatedIntro')}</p>
      <div className="token-row">
        <TextField ref={inputRef} label={t('account.tokenValue')} value={created.token} onChange={() => undefined} readOnly className="field--grow mono" data-testid="created-token" onFocus={(e) => e.currentTarget.select()} />
        <button type="button" className="button button--secondary" onClick={() => void copy()}>
          {t('common.copy')}
        </button>
      </div>
      {copied ? <p role="status">{t('common.copied')}</p> : null}
      <button type="button" className="button button--primary" onClick={onDone}>
        {t('account.tokenDone')}
      </button>
    </div>
  );
}

export function TokensPanel() {
  const t = useT();
  const fmt = useFormat();
  const me = useMe();
  const queryClient = useQueryClient();
  const tokens = useQuery({ queryKey: accountKeys.tokens, queryFn: accountApi.tokens });
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<string[]>([]);
  const [days, setDays] = useState('90');
  const [local, setLocal] = useState<{ name?: string; scopes?: string; days?: string }>({});
  const [created, setCreated] = useState<CreatedToken | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const create = useMutation({
    mutationFn: () => accountApi.createToken(name.trim(), scopes, Number(days)),
    onSuccess: (res) => {
      void queryClient.invalidateQueries({ queryKey: accountKeys.tokens });
      setCreated(res);
      setName('');
      setScopes([]);
      setDays('90');
    },
  });

  const revoke = useMutation({
    mutationFn: (tk: ApiToken) => accountApi.revokeToken(tk.id),
    onSuccess: (_r, tk) => {
      void queryClient.invalidateQueries({ queryKey: accountKeys.tokens });
      setNotice(t('account.revoked', { name: tk.name }));
    },
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setNotice(null);
    const m: typeof local = {};
    if (!name.trim()) m.name = t('common.required');
    if (scopes.length === 0) m.scopes = t('account.tokenScopesRequired');
    const n = Number(days);
    if (!Number.isInteger(n) || n < 1 || n > 365) m.days = t('account.tokenExpiryInvalid');
    setLocal(m);
    if (Object.keys(m).length > 0) return;
    create.mutate();
  };

  const now = Date.now();
  return (
    <>
      <p className="muted">{t('account.tokensIntro')}</p>
      {notice ? <Notice onDismiss={() => setNotice(null)}>{notice}</Notice> : null}
      {created ? <CreatedTokenBox created={created} onDone={() => setCreated(null)} /> : null}

      {me.permissions.length === 0 ? (
        <p>{t('account.tokenNoScopes')}</p>
      ) : (
        <form onSubmit={submit} noValidate className="form-stack form-narrow">
          <ErrorAlert error={create.error} inlineFields={['name', 'scopes', 'expiresInDays']} />
          <TextField
            label={t('account.tokenName')}
            hint={t('account.tokenNameHint')}
            autoComplete="off"
            required
            value={name}
            onChange={setName}
            error={local.name ?? fieldErrorOf(create.error, 'name')}
          />
          <CheckboxGroup
            legend={t('account.tokenScopes')}
            options={me.permissions.map((p) => ({ value: p, label: t.maybe(`perm.${p}`, p), description: <code>{p}</code> }))}
            selected={scopes}
            onChange={setScopes}
            error={local.scopes ?? fieldErrorOf(create.error, 'scopes')}
          />
          <TextField
            label={t('account.tokenExpiry')}
            hint={t('account.tokenExpiryHint')}
            type="number"
            inputMode="numeric"
            min={1}
            max={365}
            required
            className="field--short"
            value={days}
            onChange={setDays}
            error={local.days ?? fieldErrorOf(create.error, 'expiresInDays')}
          />
          <div className="button-row">
            <button type="submit" className="button button--primary" disabled={create.isPending}>
              {create.isPending ? t('common.saving') : t('account.createToken')}
            </button>
          </div>
        </form>
      )}

      <h3 id="tokens-list-title" className="section-gap">
        {t('account.tokensCaption')}
      </h3>
      {tokens.isPending ? <Loading /> : null}
      <ErrorAlert error={tokens.error} />
      <ErrorAlert error={revoke.error} />
      {tokens.data && tokens.data.length === 0 ? <p>{t('account.noTokens')}</p> : null}
      {tokens.data && tokens.data.length > 0 ? (
        <TableWrap labelledBy="tokens-list-title">
          <table className="table" aria-labelledby="tokens-list-title">
            <thead>
              <tr>
                <th scope="col">{t('account.colName')}</th>
                <th scope="col">{t('account.colScopes')}</th>
                <th scope="col">{t('account.colCreated')}</th>
                <th scope="col">{t('account.colExpires')}</th>
                <th scope="col">{t('account.colLastUsed')}</th>
                <th scope="col">{t('account.colStatus')}</th>
                <th scope="col">{t('common.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {tokens.data.map((tk) => {
                const state = tokenState(tk, now);
                return (
                  <tr key={tk.id}>
                    <th scope="row" className="cell-strong">
                      {tk.name}
                    </th>
                    <td>
                      <ul className="plain-list">
                        {tk.scopes.map((s) => (
                          <li key={s} className="mono">
                            {s}
                          </li>
                        ))}
                      </ul>
                    </td>
                    <td className="nowrap">{fmt.date(tk.createdAt)}</td>
                    <td className="nowrap">{fmt.date(tk.expiresAt)}</td>
                    <td className="nowrap">{tk.lastUsedAt ? fmt.dateTime(tk.lastUsedAt) : t('account.neverUsed')}</td>
                    <td>
                      {state === 'active' ? (
                        <Chip tone="ok">{t('account.tokenActive')}</Chip>
                      ) : state === 'revoked' ? (
                        <Chip tone="bad">{t('account.tokenRevoked')}</Chip>
                      ) : (
                        <Chip tone="neutral">{t('account.tokenExpired')}</Chip>
                      )}
                    </td>
                    <td>
                      {state === 'active' ? (
                        <button
                          type="button"
                          className="button button--small button--danger-outline"
                          disabled={revoke.isPending && revoke.variables?.id === tk.id}
                          onClick={() => revoke.mutate(tk)}
                        >
                          {t('account.revoke')}
                        </button>
                      ) : null}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </TableWrap>
      ) : null}
    </>
  );
}
