const { spawn } = require('child_process');
const { join } = require('path');
const d = join(__dirname, 'dist/bench');
const transport = process.argv[2] || 'redis';
const rate = Number(process.argv[3] || 4000);
const lg = spawn('taskset', ['-c', '1', process.execPath, join(d, 'loadgen.js')], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
const child = spawn(process.execPath, [join(d, 'propagation.probe.js')], {
  env: { ...process.env, TRANSPORT: transport, DATABASE_URL: process.env.DATABASE_URL, SAMPLES: '200', GAP_MS: '5', POLL_INTERVAL: process.env.PI || '0.25', CHANNEL: 'bench-x' + process.pid, DETAIL: '1' },
  stdio: ['pipe', 'pipe', 'inherit'],
});
let buf = ''; let target;
child.stdout.on('data', (x) => {
  buf += x; let i;
  while ((i = buf.indexOf('\n')) >= 0) {
    const line = JSON.parse(buf.slice(0, i)); buf = buf.slice(i + 1);
    if (line.ready) { target = line; spawn('taskset', ['-a', '-p', '-c', '0', String(line.pid)]); }
    if (line.idle) { console.log('idle', JSON.stringify(line.idle)); lg.send({ id: 1, url: `http://127.0.0.1:${target.port}/ping`, token: target.token, connections: 32, seconds: 600, rate }); setTimeout(() => child.stdin.write('go\n'), 500); }
    if (line.load) { console.log('load', JSON.stringify(line.load)); lg.send({ id: 1, stop: true }); setTimeout(() => { lg.kill(); process.exit(0); }, 300); }
  }
});
