import { useId } from 'react';
import { useT } from '../../app/i18n';

const MAX_PHOTOS = 3;

/** Up to three photos; the server checks their real type and size, this only helps choose. */
export function PhotoPicker({ files, onChange }: { files: File[]; onChange: (files: File[]) => void }) {
  const t = useT();
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id} className="field-label">
        {t('citizen.photos.label')}
      </label>
      <p className="field-hint" id={`${id}-hint`}>
        {t('citizen.photos.hint', { max: MAX_PHOTOS })}
      </p>
      <input
        id={id}
        type="file"
        accept="image/jpeg,image/png,image/webp"
        multiple
        aria-describedby={`${id}-hint`}
        disabled={files.length >= MAX_PHOTOS}
        onChange={(e) => {
          const picked = Array.from(e.target.files ?? []);
          onChange([...files, ...picked].slice(0, MAX_PHOTOS));
          e.target.value = '';
        }}
      />
      {files.length > 0 ? (
        <ul className="plain-list" aria-label={t('citizen.photos.chosen')}>
          {files.map((f, i) => (
            <li key={`${f.name}-${i}`}>
              {f.name} <span className="muted">({Math.ceil(f.size / 1024)} KB)</span>{' '}
              <button type="button" className="button button--ghost button--small" onClick={() => onChange(files.filter((_, j) => j !== i))}>
                {t('citizen.photos.remove', { name: f.name })}
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
