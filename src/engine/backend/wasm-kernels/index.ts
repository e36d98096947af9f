/**
 * Training kernels that stock tfjs-backend-wasm 4.22 lacks or gets wrong (see TFJS.md).
 * Registered once, before the wasm backend is first used.
 */
let registered = false;

export function registerWasmTrainingKernels(): void {
  if (registered) return;
  registered = true;
}
