import { useEffect, useId, useRef, useState } from 'react';

// A filter box that reports what was typed once typing pauses, so a search
// is not sent per keystroke.
export function DebouncedInput({ label, value, onChange, placeholder, ms = 350 }: {
  label: string; value: string; onChange: (v: string) => void; placeholder?: string; ms?: number;
}) {
  const id = useId();
  const [v, setV] = useState(value);
  const cb = useRef(onChange);
  cb.current = onChange;
  useEffect(() => setV(value), [value]);
  useEffect(() => {
    if (v === value) return;
    const t = setTimeout(() => cb.current(v), ms);
    return () => clearTimeout(t);
  }, [v, value, ms]);
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} type="search" value={v} placeholder={placeholder} onChange={(e) => setV(e.target.value)} />
    </div>
  );
}
