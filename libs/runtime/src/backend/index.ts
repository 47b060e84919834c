export * from './types';
export { initBackend, currentBackend, parseBackendChoice } from './init-backend';
export { probeNativeProvider, NATIVE_PROVIDERS, type NativeProbe, type NativeProvider } from './native-probe';
export { resolveWasmDir } from './wasm-files';
