import { useId, useRef, useState } from 'react';

// Read-only code (SQL, usually) in a <pre>, with a button that copies it.
// The clipboard API needs a secure context; elsewhere the text is selected
// and copied the old way.
export function CodeBlock({ code, label, testId }: { code: string; label: string; testId?: string }) {
  const pre = useRef<HTMLPreElement>(null);
  const [copied, setCopied] = useState<string>();
  const id = useId();
  const copy = async () => {
    try {
      if (!navigator.clipboard) throw new Error('no clipboard');
      await navigator.clipboard.writeText(code);
      setCopied('Copied');
    } catch {
      const el = pre.current;
      const sel = window.getSelection();
      if (el && sel) {
        const range = document.createRange();
        range.selectNodeContents(el);
        sel.removeAllRanges();
        sel.addRange(range);
        setCopied(document.execCommand('copy') ? 'Copied' : 'Selected: press Ctrl+C to copy');
      }
    }
    setTimeout(() => setCopied(undefined), 2500);
  };
  return (
    <div className="code-block">
      <div className="code-block-bar">
        <span id={id} className="muted">{label}</span>
        <span className="row">
          <span role="status" className="muted">{copied}</span>
          <button type="button" className="btn small" onClick={copy} aria-describedby={id}>
            Copy
          </button>
        </span>
      </div>
      <pre ref={pre} className="code" tabIndex={0} aria-labelledby={id} data-testid={testId}>
        {code}
      </pre>
    </div>
  );
}
