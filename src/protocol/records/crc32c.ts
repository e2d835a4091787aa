// CRC-32C (Castagnoli), the checksum of RecordBatch v2. Delegates to @node-rs/crc32's native
// implementation (SSE4.2 / ARMv8 instructions), which runs at several GB/s; a plain JS
// slice-by-8 table runs near 0.6 GB/s on this hardware (shared/design/performance.md §7.3).

import { crc32c as nativeCrc32c } from '@node-rs/crc32'

export function crc32c(data: Buffer, initial = 0): number {
  return nativeCrc32c(data, initial) >>> 0
}
