import { Link, useLocation } from 'wouter';

const LINKS = [
  { href: '/lake/tables', label: 'Tables' },
  { href: '/lake/models', label: 'Models' },
  { href: '/lake/sql', label: 'SQL console' },
];

// The Lakehouse section's own navigation, above each of its pages.
export function LakeNav() {
  const [loc] = useLocation();
  return (
    <nav className="subnav" aria-label="Lakehouse">
      {LINKS.map((l) => (
        <Link key={l.href} href={l.href} aria-current={loc === l.href || loc.startsWith(`${l.href}/`) ? 'page' : undefined}>
          {l.label}
        </Link>
      ))}
    </nav>
  );
}
