const Redis = require('ioredis');
const { fork } = require('child_process');
const now = () => performance.timeOrigin + performance.now();
if (process.env.ROLE === 'B') {
  const sub = new Redis();
  sub.subscribe('rawbench');
  sub.on('message', (_c, body) => process.send({ d: now(), i: Number(body) }));
  sub.on('ready', () => setTimeout(() => process.send({ ready: 1 }), 200));
} else {
  const child = fork(__filename, [], { env: { ...process.env, ROLE: 'B' } });
  const pub = new Redis();
  const N = 200, acks = [], det = [];
  child.on('message', async (m) => {
    if (m.ready) {
      for (let i = 0; i < N; i++) {
        await new Promise((r) => setTimeout(r, Math.random() * 10));
        const s = now(); await pub.publish('rawbench', String(i)); acks[i] = s;
      }
      setTimeout(() => {
        const d = det.map((x, i) => Math.max(0, x - acks[i])).sort((a, b) => a - b);
        console.log('raw redis one-way (from publish call): p50', d[N / 2].toFixed(2), 'p99', d[Math.ceil(N * 0.99) - 1].toFixed(2), 'max', d[N - 1].toFixed(2));
        child.kill(); process.exit(0);
      }, 500);
    } else det[m.i] = m.d;
  });
}
