import { useState, type FormEvent } from 'react';
import { api, clearAuth, errorMessage, setBasicAuth } from '../api/client';
import { ErrorBox } from './common';

export function Login({ onDone }: { onDone: () => void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    setBasicAuth(username, password);
    try {
      await api('/flows/search', { query: { page: 1, size: 1 } });
      onDone();
    } catch (err) {
      clearAuth();
      setError(errorMessage(err) || 'Sign-in failed');
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" className="login">
      <form className="card login-card" onSubmit={submit} aria-labelledby="login-title">
        <h1 id="login-title">Sign in to floe</h1>
        <p className="muted">This server asks for credentials.</p>
        <div className="field">
          <label htmlFor="login-user">Username</label>
          <input id="login-user" autoComplete="username" value={username} autoFocus
            onChange={(e) => setUsername(e.target.value)} required />
        </div>
        <div className="field">
          <label htmlFor="login-pass">Password</label>
          <input id="login-pass" type="password" autoComplete="current-password" value={password}
            onChange={(e) => setPassword(e.target.value)} required />
        </div>
        <ErrorBox error={error} />
        <button className="btn primary" type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
