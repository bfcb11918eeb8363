import { Link } from 'wouter';
import { useTitle } from '../components/common';

export default function NotFound() {
  useTitle('Not found');
  return (
    <>
      <h1>Page not found</h1>
      <p>
        Nothing lives at this address. <Link href="/">Go to the dashboard</Link>.
      </p>
    </>
  );
}
