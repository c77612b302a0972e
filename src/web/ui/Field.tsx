import { useId, type InputHTMLAttributes, type ReactNode, type Ref, type SelectHTMLAttributes, type TextareaHTMLAttributes } from 'react';

type Described = { label: ReactNode; hint?: ReactNode; error?: string | undefined };

/** Ids that tie a control to its hint and error so screen readers read them after the label. */
function useDescribed(error: string | undefined, hint: ReactNode) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(' ') || undefined;
  return { id, hintId, errorId, describedBy };
}

function FieldMessages({ hint, hintId, error, errorId }: { hint: ReactNode; hintId?: string | undefined; error?: string | undefined; errorId?: string | undefined }) {
  return (
    <>
      {hint ? (
        <p className="field-hint" id={hintId}>
          {hint}
        </p>
      ) : null}
      {error ? (
        <p className="field-error" id={errorId}>
          <span aria-hidden="true">⚠ </span>
          {error}
        </p>
      ) : null}
    </>
  );
}

type TextFieldProps = Described &
  Omit<InputHTMLAttributes<HTMLInputElement>, 'onChange' | 'value' | 'id'> & {
    value: string;
    onChange: (value: string) => void;
    ref?: Ref<HTMLInputElement>;
  };

export function TextField({ label, hint, error, value, onChange, className, ref, ...rest }: TextFieldProps) {
  const { id, hintId, errorId, describedBy } = useDescribed(error, hint);
  return (
    <div className={`field${error ? ' field--invalid' : ''}${className ? ` ${className}` : ''}`}>
      <label htmlFor={id}>{label}</label>
      <input
        ref={ref}
        id={id}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy}
        {...rest}
      />
      <FieldMessages hint={hint} hintId={hintId} error={error} errorId={errorId} />
    </div>
  );
}

type TextAreaFieldProps = Described &
  Omit<TextareaHTMLAttributes<HTMLTextAreaElement>, 'onChange' | 'value' | 'id'> & {
    value: string;
    onChange: (value: string) => void;
  };

export function TextAreaField({ label, hint, error, value, onChange, className, ...rest }: TextAreaFieldProps) {
  const { id, hintId, errorId, describedBy } = useDescribed(error, hint);
  return (
    <div className={`field${error ? ' field--invalid' : ''}${className ? ` ${className}` : ''}`}>
      <label htmlFor={id}>{label}</label>
      <textarea
        id={id}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy}
        {...rest}
      />
      <FieldMessages hint={hint} hintId={hintId} error={error} errorId={errorId} />
    </div>
  );
}

type SelectFieldProps = Described &
  Omit<SelectHTMLAttributes<HTMLSelectElement>, 'onChange' | 'value' | 'id'> & {
    value: string;
    onChange: (value: string) => void;
    options: { value: string; label: string }[];
    placeholder?: string;
  };

export function SelectField({ label, hint, error, value, onChange, options, placeholder, className, ...rest }: SelectFieldProps) {
  const { id, hintId, errorId, describedBy } = useDescribed(error, hint);
  return (
    <div className={`field${error ? ' field--invalid' : ''}${className ? ` ${className}` : ''}`}>
      <label htmlFor={id}>{label}</label>
      <select
        id={id}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy}
        {...rest}
      >
        {placeholder !== undefined ? <option value="">{placeholder}</option> : null}
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      <FieldMessages hint={hint} hintId={hintId} error={error} errorId={errorId} />
    </div>
  );
}

export type CheckboxOption = { value: string; label: ReactNode; description?: ReactNode; disabled?: boolean };

type CheckboxGroupProps = {
  legend: ReactNode;
  hint?: ReactNode;
  error?: string | undefined;
  options: CheckboxOption[];
  selected: readonly string[];
  onChange: (selected: string[]) => void;
  columns?: boolean;
};

/** A fieldset of checkboxes; each box is labelled by its own text (role names, permissions). */
export function CheckboxGroup({ legend, hint, error, options, selected, onChange, columns = true }: CheckboxGroupProps) {
  const { id, hintId, errorId, describedBy } = useDescribed(error, hint);
  const toggle = (value: string, on: boolean) => {
    const next = on ? [...selected, value] : selected.filter((v) => v !== value);
    // Keep the catalogue's order, whatever the clicking order was.
    onChange(options.map((o) => o.value).filter((v) => next.includes(v)));
  };
  return (
    <fieldset className={`field checkbox-group${error ? ' field--invalid' : ''}`} aria-describedby={describedBy} aria-invalid={error ? true : undefined}>
      <legend>{legend}</legend>
      <FieldMessages hint={hint} hintId={hintId} error={error} errorId={errorId} />
      <ul className={columns ? 'checkbox-list checkbox-list--columns' : 'checkbox-list'}>
        {options.map((o) => {
          const boxId = `${id}-${o.value.replace(/[^A-Za-z0-9_-]/g, '_')}`;
          return (
            <li key={o.value}>
              <input
                type="checkbox"
                id={boxId}
                checked={selected.includes(o.value)}
                disabled={o.disabled}
                onChange={(e) => toggle(o.value, e.target.checked)}
                aria-describedby={o.description ? `${boxId}-desc` : undefined}
              />
              <label htmlFor={boxId}>{o.label}</label>
              {o.description ? (
                <span className="checkbox-desc" id={`${boxId}-desc`}>
                  {o.description}
                </span>
              ) : null}
            </li>
          );
        })}
      </ul>
    </fieldset>
  );
}
