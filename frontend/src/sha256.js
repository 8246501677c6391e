// SHA-256 over a file read in blocks, for declaring a file of an upload
// session (its "hashes"). The browser's crypto.subtle hashes only a whole
// buffer at once, which would hold a large file in memory; this reads
// BLOCK bytes at a time. FIPS 180-4, section 6.2.

const BLOCK = 4 * 1024 * 1024
const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
])

const rotr = (value, bits) => (value >>> bits) | (value << (32 - bits))

export class Sha256 {
  constructor () {
    this.state = new Uint32Array([
      0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
      0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
    ])
    this.pending = new Uint8Array(64)
    this.pendingLength = 0
    this.length = 0
    this.words = new Uint32Array(64)
  }

  /** Add bytes (a Uint8Array). */
  update (bytes) {
    let index = 0
    this.length += bytes.length
    if (this.pendingLength) {
      const take = Math.min(64 - this.pendingLength, bytes.length)
      this.pending.set(bytes.subarray(0, take), this.pendingLength)
      this.pendingLength += take
      index = take
      if (this.pendingLength < 64) return this
      this.compress(this.pending, 0)
      this.pendingLength = 0
    }
    for (; index + 64 <= bytes.length; index += 64) this.compress(bytes, index)
    if (index < bytes.length) {
      this.pending.set(bytes.subarray(index), 0)
      this.pendingLength = bytes.length - index
    }
    return this
  }

  compress (bytes, offset) {
    const w = this.words
    for (let t = 0; t < 16; t++) {
      const at = offset + t * 4
      w[t] = (bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]
    }
    for (let t = 16; t < 64; t++) {
      const low = w[t - 15]
      const high = w[t - 2]
      const s0 = rotr(low, 7) ^ rotr(low, 18) ^ (low >>> 3)
      const s1 = rotr(high, 17) ^ rotr(high, 19) ^ (high >>> 10)
      w[t] = (w[t - 16] + s0 + w[t - 7] + s1) | 0
    }
    const s = this.state
    let a = s[0]; let b = s[1]; let c = s[2]; let d = s[3]
    let e = s[4]; let f = s[5]; let g = s[6]; let h = s[7]
    for (let t = 0; t < 64; t++) {
      const t1 = (h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[t] + w[t]) | 0
      const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0
      h = g; g = f; f = e; e = (d + t1) | 0
      d = c; c = b; b = a; a = (t1 + t2) | 0
    }
    s[0] += a; s[1] += b; s[2] += c; s[3] += d
    s[4] += e; s[5] += f; s[6] += g; s[7] += h
  }

  /** The digest as lower-case hex; the object is used up. */
  hex () {
    const high = Math.floor(this.length / 0x20000000)
    const low = (this.length % 0x20000000) * 8
    const tail = new Uint8Array(this.pendingLength < 56 ? 64 : 128)
    tail.set(this.pending.subarray(0, this.pendingLength))
    tail[this.pendingLength] = 0x80
    const view = new DataView(tail.buffer)
    view.setUint32(tail.length - 8, high)
    view.setUint32(tail.length - 4, low)
    for (let offset = 0; offset < tail.length; offset += 64) this.compress(tail, offset)
    return Array.from(this.state, (word) => word.toString(16).padStart(8, '0')).join('')
  }
}

/** The SHA-256 of a Blob (a File), read BLOCK bytes at a time. */
export async function sha256OfBlob (blob) {
  const hash = new Sha256()
  for (let start = 0; start < blob.size; start += BLOCK) {
    const buffer = await blob.slice(start, start + BLOCK).arrayBuffer()
    hash.update(new Uint8Array(buffer))
  }
  return hash.hex()
}
