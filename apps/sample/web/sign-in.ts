import { ApiError, BrowserSession, describeEnd } from './browser-session.js';
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

  return {
    /** Shows the form, saying why the session ended (nothing without a reason). */
    show(reason?: string, message?: string): void {
      content.hidden = true;
      section.hidden = false;
      byId('sign-in-reason').textContent = message ?? (reason ? describeEnd(reason) : '');
      byId<HTMLInputElement>('sign-in-email').focus();
    },
    hide(): void {
      section.hidden = true;
      content.hidden = false;
    },
  };
}
