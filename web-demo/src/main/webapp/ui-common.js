// What the call page (app.js) and the moderators' console (console.js) share: the sign-in form,
// reading a token's user, avatars and toasts. Plain ES module, no build step.

const $ = (id) => document.getElementById(id);

export function showLoginError(text) {
  $('login-error').textContent = text;
  $('login-error').hidden = !text;
}

/**
 * Wires the sign-in page: `#login-form` asks the server for a demo token (with `roles`, when
 * given) and `#token-form` takes a pasted one; both hand the token to `start`, whose errors are
 * shown under the form. A server not in demo mode answers 404: `notDemo` is shown and the
 * token form opened.
 */
export function wireSignIn({ roles, notDemo, start }) {
  $('login-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    showLoginError('');
    $('login-submit').disabled = true;
    try {
      const res = await fetch('/api/dev/token', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ user: $('login-name').value.trim(), ...(roles ? { roles } : {}) }),
      });
      if (res.status === 404) {
        showLoginError(notDemo);
        document.querySelector('.token-login').open = true;
        return;
      }
      const body = await res.json();
      if (!res.ok) throw new Error((body.error && body.error.message) || res.statusText);
      await start(body.token);
    } catch (err) {
      showLoginError(`Could not sign in: ${err.message}`);
    } finally {
      $('login-submit').disabled = false;
    }
  });

  $('token-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    showLoginError('');
    try {
      await start($('login-token').value.trim());
    } catch (err) {
      showLoginError(`Could not sign in: ${err.message}`);
    }
  });
}

/** The `sub` of a JWT, read without verifying it (the server does that), or null. */
export function tokenSubject(token) {
  try {
    const payload = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
    return payload.sub || null;
  } catch {
    return null;
  }
}

/** A round avatar: the name's first letter on a hue derived from the name. */
export function setAvatar(el, name) {
  el.textContent = (name || '?').slice(0, 1);
  let h = 0;
  for (const ch of name || '') h = (h * 31 + ch.charCodeAt(0)) % 360;
  el.style.setProperty('--h', String(h));
}

/** A short message in `#toasts` that goes away after `ms`. */
export function toast(text, ms = 6000) {
  const el = document.createElement('div');
  el.className = 'toast';
  el.textContent = text;
  $('toasts').append(el);
  setTimeout(() => el.remove(), ms);
}
