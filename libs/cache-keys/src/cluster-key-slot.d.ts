// cluster-key-slot (the package ioredis routes commands with) ships no types: its public API.
declare module 'cluster-key-slot' {
  /** The Redis Cluster hash slot of a key (string as UTF-8, or bytes), honouring `{tags}`. */
  function calculateSlot(key: string | Uint8Array): number;
  export default calculateSlot;
}
