import { bearer, claimsOf, freshIp, sampleMatrix, SampleTestApp } from './support/sample-app';

describe.each(sampleMatrix())('sample /me on %s with %s', (kind, adapter) => {
  let t: SampleTestApp;

  beforeAll(async () => {
    t = await SampleTestApp.start(kind, adapter);
  });
  afterAll(() => t?.close());

  it('GET /me returns the caller', async () => {
    const { user, tokens } = await t.signUp();
    const res = await t.http.get('/me').set(bearer(tokens.access_token)).expect(200);
    expect(res.body).toEqual({ id: user.id, email: user.email, roles: ['user'] });
  });

  describe('POST /me/password', () => {
    it('kills every earlier token on every device and returns working new ones', async () => {
      const user = await t.register();
      const laptop = await t.login(user.email, user.password, { 'User-Agent': 'laptop' });
      const phone = await t.login(user.email, user.password, { 'User-Agent': 'phone' });
      const laptopRefreshed = (
        await t.http
          .post('/auth/refresh')
          .set('User-Agent', 'laptop')
          .send({ refresh_token: laptop.refresh_token })
          .expect(200)
      ).body;

      const res = await t.http
        .post('/me/password')
        .set(bearer(laptopRefreshed.access_token))
        .set('User-Agent', 'laptop')
        .send({ current_password: user.password, new_password: 'brand-new-password' })
        .expect(200);
      expect(res.body).toEqual({
        access_token: expect.any(String),
        refresh_token: expect.any(String),
        token_type: 'Bearer',
        expires_in: 900,
      });

      for (const old of [laptop, laptopRefreshed, phone]) {
        expect(await t.meStatus(old.access_token)).toBe(401);
      }
      expect(await t.refreshStatus(laptopRefreshed.refresh_token, { 'User-Agent': 'laptop' })).toBe(
        400,
      );
      expect(await t.refreshStatus(phone.refresh_token, { 'User-Agent': 'phone' })).toBe(400);

      expect(await t.meStatus(res.body.access_token)).toBe(200);
      await t.advance(1000);
      expect(await t.refreshStatus(res.body.refresh_token, { 'User-Agent': 'laptop' })).toBe(200);
      await t.http
        .post('/auth/login')
        .set(freshIp())
        .send({ email: user.email, password: user.password })
        .expect(401);
      const relogin = await t.login(user.email, 'brand-new-password');
      expect(await t.meStatus(relogin.access_token)).toBe(200);
    });

    it('answers 403 to a wrong current password and changes nothing', async () => {
      const { user, tokens } = await t.signUp();
      const res = await t.http
        .post('/me/password')
        .set(bearer(tokens.access_token))
        .set(freshIp())
        .send({ current_password: 'not-my-password', new_password: 'brand-new-password' })
        .expect(403);
      expect(res.body.error).toBe('invalid_password');
      expect(await t.meStatus(tokens.access_token)).toBe(200);
      await t.login(user.email, user.password);
      await t.http
        .post('/auth/login')
        .set(freshIp())
        .send({ email: user.email, password: 'brand-new-password' })
        .expect(401);
    });

    it.each([
      ['a short new password', { current_password: 'password-123', new_password: 'short' }],
      ['a missing current password', { new_password: 'long-enough-1' }],
      ['a numeric new password', { current_password: 'password-123', new_password: 123456789 }],
    ])('answers 400 for %s', async (_, body) => {
      const { tokens } = await t.signUp();
      await t.http.post('/me/password').set(bearer(tokens.access_token)).send(body).expect(400);
      expect(await t.meStatus(tokens.access_token)).toBe(200);
    });
  });

  describe('GET /me/sessions', () => {
    it('lists the active sessions with exactly one current', async () => {
      const user = await t.register();
      const a = await t.login(user.email, user.password, {
        'User-Agent': 'browser-a',
        'X-Forwarded-For': '192.0.2.10',
      });
      const b = await t.login(user.email, user.password, {
        'User-Agent': 'browser-b',
        'X-Forwarded-For': '192.0.2.11',
      });
      const ended = await t.login(user.email, user.password);
      await t.http.post('/auth/logout').set(bearer(ended.access_token)).expect(204);

      const res = await t.http.get('/me/sessions').set(bearer(b.access_token)).expect(200);
      expect(res.body).toHaveLength(2);
      const current = res.body.filter((s: { current: boolean }) => s.current);
      expect(current).toHaveLength(1);
      expect(current[0].id).toBe(claimsOf(b.access_token).sid);
      const other = res.body.find((s: { current: boolean }) => !s.current);
      expect(other).toEqual({
        id: claimsOf(a.access_token).sid,
        current: false,
        created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        last_seen_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        ip: '192.0.2.10',
        user_agent: 'browser-a',
        browser: null,
        os: null,
        device: null,
      });
    });

    it('names the browser, OS and device type of a known user agent', async () => {
      const user = await t.register();
      const tokens = await t.login(user.email, user.password, {
        'User-Agent':
          'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 ' +
          '(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1',
      });
      const res = await t.http.get('/me/sessions').set(bearer(tokens.access_token)).expect(200);
      expect(res.body[0]).toMatchObject({ browser: 'Safari 17', os: 'iOS 17.0', device: 'mobile' });
    });
  });

  describe('DELETE /me/sessions/:id', () => {
    it('ends that session and no other', async () => {
      const user = await t.register();
      const keep = await t.login(user.email, user.password);
      const drop = await t.login(user.email, user.password);
      const sid = claimsOf(drop.access_token).sid as string;
      await t.http.delete(`/me/sessions/${sid}`).set(bearer(keep.access_token)).expect(204);
      expect(await t.meStatus(drop.access_token)).toBe(401);
      expect(await t.refreshStatus(drop.refresh_token)).toBe(400);
      expect(await t.meStatus(keep.access_token)).toBe(200);
      await t.http.delete(`/me/sessions/${sid}`).set(bearer(keep.access_token)).expect(404);
    });

    it("answers 404 for another user's session and leaves it alone", async () => {
      const mine = await t.signUp();
      const theirs = await t.signUp();
      const sid = claimsOf(theirs.tokens.access_token).sid as string;
      await t.http.delete(`/me/sessions/${sid}`).set(bearer(mine.tokens.access_token)).expect(404);
      expect(await t.meStatus(theirs.tokens.access_token)).toBe(200);
    });

    it.each(['unknown-session-id', 'x'.repeat(90), '%00', 'null'])(
      'answers 404 for %s',
      async (id) => {
        const { tokens } = await t.signUp();
        await t.http.delete(`/me/sessions/${id}`).set(bearer(tokens.access_token)).expect(404);
      },
    );
  });
});
