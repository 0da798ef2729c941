/** Starts the page's backend: initBackend's default order, or the one `?backend=` names, with a notice of why. */
import { type BackendChoice, type BackendName, initBackend, isSoftwareAdapter } from '@tiefe/core';

/** Backends `?backend=` may name. */
const NAMES: readonly BackendName[] = ['webgpu', 'wasm', 'cpu'];

/** The backend order a page's `?backend=` asks for (undefined: initBackend's default). */
export function preferredBackends(search: string): BackendName[] | undefined {
  const asked = new URLSearchParams(search).get('backend');
  if (asked === null || !NAMES.includes(asked as BackendName)) return undefined;
  return [asked as BackendName, ...NAMES.filter((n) => n !== asked)];
}

/**
 * The notice a page shows about its backend: why WebGPU was not used (a software adapter, no adapter, an error),
 * or that a software adapter runs because it was forced; empty when WebGPU runs on a hardware adapter.
 */
export function backendNotice(choice: BackendChoice, forced: boolean): string {
  if (choice.name === 'webgpu') {
    if (!choice.adapter || !isSoftwareAdapter(choice.adapter)) return '';
    const why = forced ? 'as ?backend=webgpu asked' : 'wasm did not start';
    return `WebGPU on a software adapter (${describe(choice)}), ${why}: slower than wasm`;
  }
  const webgpu = choice.skipped.find((s) => s.name === 'webgpu');
  const using = `using ${choice.name}`;
  if (!webgpu) return forced ? `${choice.name}, as ?backend=${choice.name} asked` : '';
  const software = /^software adapter \(([^)]*)\)/.exec(webgpu.reason);
  if (software) return `WebGPU adapter is a software one (${software[1]}): ${using}`;
  if (/no WebGPU adapter/i.test(webgpu.reason)) return `No WebGPU adapter in this browser: ${using}`;
  return `WebGPU did not start (${webgpu.reason}): ${using}`;
}

function describe(choice: BackendChoice): string {
  const a = choice.adapter;
  return a ? [a.vendor, a.architecture, a.description].filter(Boolean).join(', ') || 'fallback adapter' : '';
}

/** Starts the backend for this page (wasm binaries from `wasmPaths`, served by the gallery's server). */
export async function startBackend(
  search: string,
  wasmPaths: string,
): Promise<{ choice: BackendChoice; notice: string }> {
  const prefer = preferredBackends(search);
  const choice = await initBackend({ prefer, wasmPaths });
  return { choice, notice: backendNotice(choice, prefer !== undefined) };
}
