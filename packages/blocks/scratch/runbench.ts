import { initBackend } from '../../core/src/index.js';

const file = process.argv[2];
const backend = (process.argv[3] ?? 'cpu') as 'cpu';
await initBackend({ prefer: [backend] });
const mod = await import(file);
const t = Date.now();
console.log(JSON.stringify(await mod.default(backend), null, 1), (Date.now() - t) / 1000, 's');
