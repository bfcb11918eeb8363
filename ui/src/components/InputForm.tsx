import { useMemo, useState, type FormEvent, type ReactNode } from 'react';
import type { FlowInput } from '../api/types';
import { ErrorBox } from './common';

export type InputValues = Record<string, string | string[] | File | null>;

function defaultText(input: FlowInput): string | string[] {
  const d = input.defaults;
  const t = input.type.toUpperCase();
  if (d === undefined || d === null) return t === 'MULTISELECT' ? [] : '';
  if (t === 'MULTISELECT') return Array.isArray(d) ? d.map(String) : [String(d)];
  if (t === 'DATETIME' && typeof d === 'string') {
    // datetime-local shows local time without offset.
    const date = new Date(d);
    if (!isNaN(date.getTime())) {
      const local = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
      return local.toISOString().slice(0, 19);
    }
  }
  if (typeof d === 'object') return t === 'ARRAY' ? JSON.stringify(d) : JSON.stringify(d, null, 2);
  return String(d);
}

export function inputId(i: FlowInput): string {
  return i.id ?? i.name ?? '';
}

function choices(i: FlowInput): string[] {
  return (i.values ?? i.options ?? []).map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
}

function filled(v: InputValues[string] | undefined): boolean {
  if (v === undefined || v === null) return false;
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof File) return true;
  return v !== '';
}

// What the server expects for each value in a multipart form.
export function toFormData(inputs: FlowInput[], values: InputValues): FormData {
  const fd = new FormData();
  for (const i of inputs) {
    const id = inputId(i);
    const v = values[id];
    if (!filled(v) || isBlocked(i, values)) continue;
    const t = i.type.toUpperCase();
    if (v instanceof File) fd.append(id, v, v.name);
    else if (Array.isArray(v)) fd.append(id, JSON.stringify(v));
    else if (t === 'DATETIME') {
      const d = new Date(v as string);
      fd.append(id, isNaN(d.getTime()) ? (v as string) : d.toISOString());
    } else fd.append(id, v as string);
  }
  return fd;
}

// Kestra's dependsOn: an input waits until the inputs it depends on have values.
export function isBlocked(i: FlowInput, values: InputValues): boolean {
  return (i.dependsOn?.inputs ?? []).some((d) => !filled(values[d]));
}

export function initialValues(inputs: FlowInput[]): InputValues {
  const v: InputValues = {};
  for (const i of inputs) v[inputId(i)] = i.type.toUpperCase() === 'FILE' ? null : defaultText(i);
  return v;
}

function InputControl({ input, value, disabled, onChange, id }: {
  input: FlowInput; value: InputValues[string]; disabled: boolean; onChange: (v: InputValues[string]) => void; id: string;
}) {
  const t = input.type.toUpperCase();
  const required = input.required !== false && input.defaults === undefined;
  const common = { id, disabled, required: required && !disabled, 'aria-describedby': input.description ? `${id}-d` : undefined };
  const str = typeof value === 'string' ? value : '';
  switch (t) {
    case 'INT':
    case 'FLOAT':
      return (
        <input {...common} type="number" step={t === 'INT' ? 1 : 'any'} value={str}
          min={typeof input.min === 'number' ? input.min : undefined} max={typeof input.max === 'number' ? input.max : undefined}
          onChange={(e) => onChange(e.target.value)} />
      );
    case 'BOOLEAN':
    case 'BOOL':
      return (
        <select {...common} value={str} onChange={(e) => onChange(e.target.value)}>
          <option value="">(not set)</option>
          <option value="true">true</option>
          <option value="false">false</option>
        </select>
      );
    case 'SELECT':
    case 'ENUM':
      if (input.allowCustomValue) {
        return (
          <>
            <input {...common} list={`${id}-list`} value={str} onChange={(e) => onChange(e.target.value)} />
            <datalist id={`${id}-list`}>{choices(input).map((c) => <option key={c} value={c} />)}</datalist>
          </>
        );
      }
      return (
        <select {...common} value={str} onChange={(e) => onChange(e.target.value)}>
          <option value="">(choose)</option>
          {choices(input).map((c) => <option key={c}>{c}</option>)}
        </select>
      );
    case 'MULTISELECT': {
      const arr = Array.isArray(value) ? value : [];
      return (
        <select {...common} multiple value={arr} size={Math.min(6, Math.max(2, choices(input).length))}
          onChange={(e) => onChange(Array.from(e.target.selectedOptions).map((o) => o.value))}>
          {choices(input).map((c) => <option key={c}>{c}</option>)}
        </select>
      );
    }
    case 'DATE':
      return <input {...common} type="date" value={str} onChange={(e) => onChange(e.target.value)} />;
    case 'TIME':
      return <input {...common} type="time" step={1} value={str} onChange={(e) => onChange(e.target.value)} />;
    case 'DATETIME':
      return <input {...common} type="datetime-local" step={1} value={str} onChange={(e) => onChange(e.target.value)} />;
    case 'DURATION':
      return <input {...common} type="text" placeholder="PT1H30M" pattern="P.*" value={str} onChange={(e) => onChange(e.target.value)} />;
    case 'JSON':
    case 'YAML':
      return <textarea {...common} rows={5} value={str} placeholder={t === 'JSON' ? '{"key": "value"}' : 'key: value'} onChange={(e) => onChange(e.target.value)} />;
    case 'ARRAY':
      return <input {...common} type="text" placeholder='a, b, c or ["a", "b"]' value={str} onChange={(e) => onChange(e.target.value)} />;
    case 'URI':
      return <input {...common} type="url" value={str} onChange={(e) => onChange(e.target.value)} />;
    case 'EMAIL':
      return <input {...common} type="email" value={str} onChange={(e) => onChange(e.target.value)} />;
    case 'SECRET':
      return <input {...common} type="password" autoComplete="off" value={str} onChange={(e) => onChange(e.target.value)} />;
    case 'FILE':
      return (
        <input {...common} type="file"
          accept={input.allowedFileExtensions?.join(',') || input.extension || undefined}
          onChange={(e) => onChange(e.target.files?.[0] ?? null)} />
      );
    default:
      return <input {...common} type="text" value={str} onChange={(e) => onChange(e.target.value)} />;
  }
}

export function InputForm({ inputs, submitLabel, onSubmit, extra, busy }: {
  inputs: FlowInput[];
  submitLabel: string;
  onSubmit: (values: InputValues) => Promise<void>;
  extra?: ReactNode;
  busy?: boolean;
}) {
  const init = useMemo(() => initialValues(inputs), [inputs]);
  const [values, setValues] = useState<InputValues>(init);
  const [error, setError] = useState<string>();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    try {
      await onSubmit(values);
    } catch (err) {
      setError((err as Error).message);
    }
  };

  return (
    <form onSubmit={submit} noValidate={false}>
      {inputs.length === 0 && <p className="muted">This flow has no inputs.</p>}
      {inputs.map((i) => {
        const id = `in-${inputId(i)}`;
        const blocked = isBlocked(i, values);
        const required = i.required !== false && i.defaults === undefined;
        return (
          <div className="field" key={inputId(i)} data-input-type={i.type}>
            <label htmlFor={id}>
              {i.displayName ?? inputId(i)} <span className="muted">({i.type}{required ? ', required' : ''})</span>
            </label>
            <InputControl input={i} id={id} value={values[inputId(i)]} disabled={blocked}
              onChange={(v) => setValues((cur) => ({ ...cur, [inputId(i)]: v }))} />
            {i.description && <small id={`${id}-d`} className="muted">{i.description}</small>}
            {blocked && <small className="muted">Waits for: {i.dependsOn?.inputs?.join(', ')}</small>}
          </div>
        );
      })}
      {extra}
      <ErrorBox error={error} />
      <button type="submit" className="btn primary" disabled={busy}>
        {submitLabel}
      </button>
    </form>
  );
}
