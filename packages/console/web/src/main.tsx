import { render } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { HostsPage, ServicesPage } from './admin';
import { Api } from './api';
import { CapsuleCreatePage } from './capsule-create';
import { CapsuleDetailPage } from './capsule-detail';
import { CapsulesPage } from './capsules';
import { ContainersPage } from './containers';
import { DetailPage } from './detail';
import { ImagesPage } from './images';
import {
  forget,
  isAdmin,
  listProjects,
  savedSession,
  signIn,
  signOut,
  switchProject,
  type Project,
  type Session,
} from './session';
import { Message } from './ui';
import { CreateWizard } from './wizard';
import './styles.css';

const route = (): string => location.hash.replace(/^#/, '') || '/containers';
const go = (path: string): void => {
  location.hash = path;
};

function SignIn({ notice, onSignedIn }: { notice: string | null; onSignedIn: (s: Session) => void }) {
  const [user, setUser] = useState('');
  const [password, setPassword] = useState('');
  const [project, setProject] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await signIn(user.trim(), password, project.trim()));
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="signin">
      <form onSubmit={submit} aria-labelledby="signin-title">
        <h1 id="signin-title">Zun console</h1>
        {notice && <Message kind="info">{notice}</Message>}
        {error && <Message kind="error">{error}</Message>}
        <label>
          User name
          <input
            name="username"
            autoComplete="username"
            value={user}
            onInput={(e) => setUser(e.currentTarget.value)}
            required
          />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
            required
          />
        </label>
        <label>
          Project <small>(blank: the project named like the user)</small>
          <input name="project" value={project} onInput={(e) => setProject(e.currentTarget.value)} />
        </label>
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}

function Shell({
  session,
  onSession,
  onExpired,
}: {
  session: Session;
  onSession: (s: Session) => void;
  onExpired: (why: string) => void;
}) {
  const api = useMemo(() => new Api(session.token, onExpired), [session.token, onExpired]);
  const [path, setPath] = useState(route());
  const [projects, setProjects] = useState<Project[]>([session.project]);
  const [error, setError] = useState<string | null>(null);
  // What the create page says about the capsule it made, shown on that capsule's page.
  const [capsuleNotice, setCapsuleNotice] = useState<{ uuid: string; text: string } | null>(null);
  const admin = isAdmin(session);
  useEffect(() => {
    const onHash = (): void => setPath(route());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  useEffect(() => {
    void listProjects(session).then(setProjects);
  }, [session.token]);

  const change = (id: string): void => {
    switchProject(session, id).then(
      (s) => (onSession(s), go('/containers')),
      (err: Error) => setError(`Could not switch project: ${err.message}`),
    );
  };

  let page;
  const detail = /^\/containers\/([0-9a-f-]{36})$/.exec(path);
  const capsule = /^\/capsules\/([0-9a-f-]{36})$/.exec(path);
  if (path.startsWith('/admin') && !admin)
    page = <Message kind="error">Not allowed: the admin pages are for administrators.</Message>;
  else if (path === '/capsules')
    page = (
      <CapsulesPage api={api} onOpen={(u) => go(`/capsules/${u}`)} onCreate={() => go('/capsules/create')} />
    );
  else if (path === '/capsules/create')
    page = (
      <CapsuleCreatePage
        api={api}
        onCreated={(uuid, text) => (setCapsuleNotice({ uuid, text }), go(`/capsules/${uuid}`))}
        onCancel={() => go('/capsules')}
      />
    );
  else if (capsule)
    page = (
      <CapsuleDetailPage
        key={capsule[1]}
        api={api}
        uuid={capsule[1]}
        notice={capsuleNotice?.uuid === capsule[1] ? capsuleNotice.text : null}
        onBack={() => go('/capsules')}
      />
    );
  else if (path === '/admin/images') page = <ImagesPage api={api} />;
  else if (detail) page = <DetailPage api={api} uuid={detail[1]} onBack={() => go('/containers')} />;
  else if (path === '/create')
    page = <CreateWizard api={api} onDone={() => go('/containers')} onCancel={() => go('/containers')} />;
  else if (path === '/admin/containers')
    page = <ContainersPage api={api} allProjects onOpen={(u) => go(`/containers/${u}`)} />;
  else if (path === '/admin/hosts') page = <HostsPage api={api} />;
  else if (path === '/admin/services') page = <ServicesPage api={api} />;
  else
    page = (
      <ContainersPage
        api={api}
        allProjects={false}
        onOpen={(u) => go(`/containers/${u}`)}
        onCreate={() => go('/create')}
      />
    );

  const link = (to: string, label: string) => (
    <a href={`#${to}`} aria-current={path === to || path.startsWith(`${to}/`) ? 'page' : undefined}>
      {label}
    </a>
  );
  return (
    <div class="shell">
      <header>
        <strong class="brand">Zun</strong>
        <nav aria-label="Main">
          {link('/containers', 'Containers')}
          {link('/capsules', 'Capsules')}
          {admin && (
            <>
              <span class="sep">Admin:</span>
              {link('/admin/containers', 'All containers')}
              {link('/admin/hosts', 'Hosts')}
              {link('/admin/services', 'Services')}
              {link('/admin/images', 'Images')}
            </>
          )}
        </nav>
        <span class="who">
          <label>
            Project{' '}
            <select
              aria-label="Project"
              value={session.project.id}
              onChange={(e) => change(e.currentTarget.value)}
            >
              {projects.map((p) => (
                <option value={p.id}>{p.name}</option>
              ))}
            </select>
          </label>
          <span>{session.user}</span>
          <button type="button" onClick={() => void signOut(session).then(() => onExpired(''))}>
            Sign out
          </button>
        </span>
      </header>
      <main>
        {error && (
          <Message kind="error" onClose={() => setError(null)}>
            {error}
          </Message>
        )}
        {page}
      </main>
    </div>
  );
}

function App() {
  const [session, setSession] = useState<Session | null>(savedSession());
  const [notice, setNotice] = useState<string | null>(null);
  const expired = useMemo(
    () => (why: string) => {
      forget();
      setSession(null);
      setNotice(why || null);
    },
    [],
  );
  // A token expires at a known time: go back to sign-in then, not at the next failed call.
  useEffect(() => {
    if (!session) return;
    const ms = Date.parse(session.expiresAt) - Date.now();
    const timer = setTimeout(
      () => expired('Your session has expired. Please sign in again.'),
      Math.max(0, Math.min(ms, 2 ** 31 - 1)),
    );
    return () => clearTimeout(timer);
  }, [session, expired]);
  if (!session) return <SignIn notice={notice} onSignedIn={(s) => (setNotice(null), setSession(s))} />;
  return <Shell session={session} onSession={setSession} onExpired={expired} />;
}

render(<App />, document.getElementById('app') as HTMLElement);
