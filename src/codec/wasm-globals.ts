// The few WebAssembly types the public declarations name, declared for programs compiled
// without lib "DOM" (a plain Node tsconfig: lib ["ES2022"], @types/node 20 has no WebAssembly).
// They repeat lib.dom's shapes exactly, so they merge with it where DOM is present.
// (Imported for its declarations only: the emitted module is empty.)

declare global {
  namespace WebAssembly {
    // eslint-disable-next-line @typescript-eslint/no-empty-interface
    interface Module {}
    // eslint-disable-next-line @typescript-eslint/no-empty-interface
    interface Instance {}
    interface Memory {
      readonly buffer: ArrayBuffer;
    }
  }
}

export {};
