import { useCallback, useMemo } from 'react';
import { useLocation, useSearch } from 'wouter';

// List filters live in the URL so a filtered view can be bookmarked, shared
// and restored with the back button.
export function useQueryState(): [URLSearchParams, (changes: Record<string, string | undefined>) => void] {
  const search = useSearch();
  const [loc, navigate] = useLocation();
  const params = useMemo(() => new URLSearchParams(search), [search]);
  const set = useCallback(
    (changes: Record<string, string | undefined>) => {
      const next = new URLSearchParams(search);
      for (const [k, v] of Object.entries(changes)) {
        if (v === undefined || v === '') next.delete(k);
        else next.set(k, v);
      }
      const qs = next.toString();
      navigate(`${loc}${qs ? `?${qs}` : ''}`, { replace: true });
    },
    [search, loc, navigate],
  );
  return [params, set];
}
