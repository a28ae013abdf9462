import { echoHop } from "./bench-engine";
const q = (a: number[], p: number) => { const s = [...a].sort((x, y) => x - y); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };
const r = await echoHop(Number(process.env.KEYS ?? 1000), Number(process.env.ROUNDS ?? 2));
for (const k of ["engine", "inProcess"] as const) console.log(k, "p50", q(r[k], 0.5).toFixed(2), "p95", q(r[k], 0.95).toFixed(2), "p99", q(r[k], 0.99).toFixed(2), "n", r[k].length);
