/** The stylesheet of both pages, served as /assets/pages.css. */
export const PAGES_CSS = `
:root { color-scheme: light; --ink: #1b1f24; --muted: #4f5863; --line: #d0d7de; --accent: #0b5cad;
  --danger: #a4161a; --ok: #1a7f37; --bg: #f6f8fa; font-family: system-ui, sans-serif; color: var(--ink); }
body { margin: 0; background: var(--bg); }
header { background: #fff; border-bottom: 1px solid var(--line); padding: .75rem 1.5rem; display: flex;
  align-items: center; gap: 1rem; flex-wrap: wrap; }
header h1 { font-size: 1.25rem; margin: 0; flex: 1; }
nav a { margin-right: 1rem; color: var(--accent); }
main { max-width: 72rem; margin: 0 auto; padding: 1rem 1.5rem 3rem; }
section.card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 1rem 1.25rem;
  margin: 1rem 0; }
h2 { font-size: 1.1rem; margin: 0 0 .75rem; }
form.stack { display: grid; gap: .6rem; max-width: 24rem; }
form.row { display: flex; flex-wrap: wrap; gap: .75rem; align-items: end; }
form.row .field { display: grid; gap: .25rem; }
label { font-weight: 600; font-size: .9rem; }
input, select { font: inherit; padding: .4rem .5rem; border: 1px solid #8c959f; border-radius: 6px; }
button { font: inherit; padding: .4rem .8rem; border-radius: 6px; border: 1px solid #8c959f;
  background: #fff; color: var(--ink); cursor: pointer; }
button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
button.danger { color: var(--danger); border-color: var(--danger); }
button:focus-visible, input:focus-visible, select:focus-visible, a:focus-visible {
  outline: 3px solid #f1a10d; outline-offset: 2px; }
table { border-collapse: collapse; width: 100%; font-size: .92rem; }
caption { text-align: left; color: var(--muted); padding-bottom: .4rem; }
th, td { text-align: left; padding: .45rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
td.actions { white-space: nowrap; }
td.actions button + button { margin-left: .4rem; }
.badge { display: inline-block; padding: .05rem .45rem; border-radius: 999px; font-size: .8rem;
  background: #ddf4e4; color: #0f5323; border: 1px solid #8fd1a2; }
.badge.suspended { background: #fff1c2; color: #5c4300; border-color: #e5c45c; }
.badge.deleted { background: #ffe1e1; color: #7a0c0f; border-color: #f0a1a3; }
.muted { color: var(--muted); }
.notice { padding: .6rem .8rem; border-radius: 6px; background: #fff8c5; border: 1px solid #d4a72c; }
.notice:empty, .status:empty, .error:empty { display: none; }
.status { color: var(--ok); }
.error { color: var(--danger); }
.toolbar { display: flex; gap: .6rem; flex-wrap: wrap; margin-top: .75rem; }
.grid { display: grid; gap: 1rem; grid-template-columns: repeat(auto-fit, minmax(22rem, 1fr)); }
#feed { list-style: none; padding: 0; margin: 0; max-height: 16rem; overflow: auto; font-size: .9rem; }
#feed li { padding: .35rem 0; border-bottom: 1px solid var(--line); }
dialog { border: 1px solid var(--line); border-radius: 8px; max-width: 28rem; }
dialog::backdrop { background: rgb(0 0 0 / 35%); }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0);
  white-space: nowrap; }
[hidden] { display: none !important; }
`;
