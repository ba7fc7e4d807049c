import { ApiError, BrowserSession, describeEnd, SessionEnded } from './browser-session.js';
import { byId } from './dom.js';

/**
 * Wires the sign-in form of a page: `signedIn` runs after a sign-in or a resumed session, and
 * `show(reason)` brings the form back when the session ends.
 */
export function signInForm(session: BrowserSession, signedIn: () => Promise<void>) {
  const section = byId('sign-in');
  const content = byId('signed-in');
  const form = byId<HTMLFormElement>('sign-in-form');
  const error = byId('sign-in-error');

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(form);
    error.textContent = '';
    session
      .signIn(String(data.get('email')), String(data.get('password')))
      .then(() => {
        form.reset();
        return signedIn();
      })
      .catch((e: unknown) => {
        error.textContent =
          e instanceof ApiError && e.status === 401 ? 'Wrong email or password.' : String(e);
      });
  });

  const show = (reason?: string, message?: string): void => {
    content.hidden = true;
    section.hidden = false;
    byId('sign-in-reason').textContent = message ?? (reason ? describeEnd(reason) : '');
    byId<HTMLInputElement>('sign-in-email').focus();
  };

  return {
    /** Shows the form, saying why the session ended (nothing without a reason). */
    show,
    /** Resumes the session the cookie holds, or shows the form (a first visit has no cookie: nothing to explain). */
    start(): void {
      session
        .resume()
        .then((ended) =>
          ended === null ? signedIn() : show(ended === 'no_session' ? undefined : ended),
        )
        .catch((error: unknown) => {
          if (!(error instanceof SessionEnded)) {
            show(undefined, `The server did not answer: ${String(error)}`);
          }
        });
    },
    hide(): void {
      section.hidden = true;
      content.hidden = false;
    },
  };
}
