/*
 * pst_kernel — the PST writer's two hottest loops as a Node-API addon:
 *   - NDB_CRYPT_PERMUTE encoding ([MS-PST] §5.1), a 256-byte substitution table;
 *   - the block CRC ([MS-PST] §5.3), a reflected CRC-32 with polynomial 0xEDB88320.
 * Both run fused in one pass: copy (and encode) a range into the target, and return the CRC of the bytes written.
 *
 * The CRC returned is "linear": the register starts at the caller's value and is never inverted, which is exactly
 * the PST CRC when the caller passes 0, and lets a caller continue a CRC over several calls.
 *
 * Three code paths, chosen at load time from the CPU's features and compiled with per-function target attributes,
 * so that one -O2 build serves every x86-64 CPU:
 *   - avx512: encode with two VPERMI2B (the table held in four zmm registers) and a blend on the index's top bit;
 *             CRC by folding 64 bytes at a time with VPCLMULQDQ (four zmm accumulators on long inputs);
 *   - avx2:   encode 32 bytes at a time with VPSHUFB over the table's 16 rows and a blend tree on the index's
 *             high nibble; CRC by folding four 128-bit accumulators with PCLMULQDQ;
 *   - scalar: table encode and a slicing-by-8 CRC (any CPU, any architecture).
 *
 * Also `punchHole`: frees a range of a file (Linux fallocate), so that a temporary file read once as it is streamed
 * out stops holding dirty page cache behind the reader.
 *
 * Exports: encodeCopy, crc, punchHole, setTable, isa, setIsa, supported. See packages/pst/src/encode/native-kernel.ts.
 */
#if defined(__linux__)
#define _GNU_SOURCE /* fallocate and its FALLOC_FL_* flags */
#include <fcntl.h>
#endif
#define NAPI_VERSION 8
#include <node_api.h>

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define PST_X86 1
#include <immintrin.h>
#else
#define PST_X86 0
#endif

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define PST_LITTLE_ENDIAN 1
#else
#define PST_LITTLE_ENDIAN 0
#endif

/* ------------------------------------------------------------------------------------------------ tables */

/* NDB_CRYPT_PERMUTE's ENCODE table (plain byte -> stored byte), [MS-PST] §5.1. Not written out here: the loader
 * hands over PERMUTE_ENCODE_TABLE of src/encode/permute.ts with setTable (one copy of the table in the project), and
 * encoding is refused until it has. 64-byte aligned so that the SIMD paths load its rows and quarters aligned. */
static uint8_t ENCODE[256] __attribute__((aligned(64)));
static atomic_bool table_ready;

/* The reflected CRC-32 polynomial: bit k stands for x^(31-k) of P(x) - x^32. */
#define CRC_POLY_REFLECTED 0xEDB88320u
/* The same polynomial in the normal order: bit k stands for x^k of P(x) - x^32. */
#define CRC_POLY_NORMAL 0x04C11DB7u

/* CRC_TABLE[0] is the byte-wise table: the register after shifting one byte b (XORed into its low byte) through.
 * CRC_TABLE[k] shifts a byte followed by k zero bytes (slicing-by-8). Filled by init_once. */
static uint32_t CRC_TABLE[8][256];

static uint32_t crc_bytewise(uint32_t c, const uint8_t *p, size_t n) {
  while (n--) c = CRC_TABLE[0][(c ^ *p++) & 0xff] ^ (c >> 8);
  return c;
}

/* Slicing-by-8: eight bytes per step, each through the table of its distance from the step's end. */
static uint32_t crc_scalar(uint32_t c, const uint8_t *p, size_t n) {
#if PST_LITTLE_ENDIAN
  while (n >= 8) {
    uint64_t w;
    memcpy(&w, p, 8);
    uint32_t lo = (uint32_t)w ^ c;
    uint32_t hi = (uint32_t)(w >> 32);
    c = CRC_TABLE[7][lo & 0xff] ^ CRC_TABLE[6][(lo >> 8) & 0xff] ^ CRC_TABLE[5][(lo >> 16) & 0xff] ^
        CRC_TABLE[4][lo >> 24] ^ CRC_TABLE[3][hi & 0xff] ^ CRC_TABLE[2][(hi >> 8) & 0xff] ^
        CRC_TABLE[1][(hi >> 16) & 0xff] ^ CRC_TABLE[0][hi >> 24];
    p += 8;
    n -= 8;
  }
#endif
  return crc_bytewise(c, p, n);
}

/* ------------------------------------------------------------------------------------------------ fold constants */

/*
 * Folding a CRC with carry-less multiplication.
 *
 * Let P(x) be the CRC-32 polynomial (degree 32). For a message M of n bytes, with the register starting at c,
 * the linear (uninverted) reflected CRC is  CRC(M) = (c * x^(8n) + M(x) * x^32) mod P,  where M(x) takes the
 * message's first bit (bit 0 of byte 0, as the CRC is reflected) as its highest coefficient. Starting the register
 * at c therefore means XORing c into the first four bytes (c's bit 0 into byte 0's bit 0): that adds
 * c * x^(8n-32) to M, and so c * x^(8n) to the CRC.
 *
 * Representation: a 128-bit little-endian lane loaded from 16 message bytes has bit k standing for x^(127-k);
 * its low 64-bit half L (bytes 0..7) stands for L(x) * x^64 and its high half H for H(x), where a 64-bit
 * half's bit k stands for x^(63-k).
 *
 * Folding: to move a 128-bit lane X forward by F bits onto the lane that starts F bits after it (the message
 * polynomial gains a factor x^F for X, and only congruence mod P matters),
 *     X * x^F = L * x^(F+64) + H * x^F  ≡  L * (x^(F+64) mod P) + H * (x^F mod P)   (mod P),
 * a polynomial of degree at most 63 + 31 = 94 that fits one 128-bit lane, which is simply XORed into the lane
 * F bits later. PCLMULQDQ multiplies two 64-bit values as integers: with bit k of each standing for x^(63-k),
 * bit m of the 128-bit product stands for x^(126-m), while the lane convention reads bit m as x^(127-m): the
 * product as read is the true product times x. So the constant meant to multiply by x^N is stored as
 * x^(N-1) mod P, bit-reflected into a 64-bit lane (degree d at bit 63-d: a 32-bit reversal, shifted up by 32).
 *
 * A fold pair for distance F is therefore { x^(F+63) mod P  (multiplies L, the low qword),
 *                                           x^(F-1)  mod P  (multiplies H, the high qword) }.
 * Once everything is folded into one 128-bit lane X ≡ M (mod P), X has the same CRC as M (with a register
 * starting at 0: the initial value is already in), so its 16 bytes go through the table CRC, followed by the
 * bytes after it.
 */
typedef struct {
  uint64_t lo; /* x^(F+63) mod P, reflected */
  uint64_t hi; /* x^(F-1) mod P, reflected */
} fold_pair;

static fold_pair FOLD_128, FOLD_256, FOLD_384, FOLD_512, FOLD_2048;

/* x^n mod P in the normal bit order (bit d stands for x^d): multiply 1 by x, n times, reducing each time. */
static uint32_t xpow_mod_p(unsigned n) {
  uint32_t v = 1;
  while (n--) v = (v << 1) ^ ((v & 0x80000000u) ? CRC_POLY_NORMAL : 0);
  return v;
}

static uint32_t reverse32(uint32_t v) {
  uint32_t r = 0;
  for (int i = 0; i < 32; i++) r |= ((v >> i) & 1u) << (31 - i);
  return r;
}

/* The constant that multiplies a reflected 64-bit half by x^n: x^(n-1) mod P, degree d at bit 63 - d. */
static uint64_t fold_constant(unsigned n) {
  return (uint64_t)reverse32(xpow_mod_p(n - 1)) << 32;
}

static fold_pair fold_pair_for(unsigned bits) {
  fold_pair k = {fold_constant(bits + 64), fold_constant(bits)};
  return k;
}

/* ------------------------------------------------------------------------------------------------ scalar path */

/* Copies (and encodes) src to dst: identical or disjoint ranges. */
static void encode_copy_bytes(uint8_t *dst, const uint8_t *src, size_t n, bool encode) {
  if (encode) {
    for (size_t i = 0; i < n; i++) dst[i] = ENCODE[src[i]];
  } else if (dst != src) {
    memcpy(dst, src, n);
  }
}

static uint32_t encode_copy_scalar(uint8_t *dst, const uint8_t *src, size_t n, bool encode, uint32_t c) {
  /* Two passes per cache-sized piece: encode it, then CRC what was written. */
  const size_t piece = 16384;
  while (n > 0) {
    size_t k = n < piece ? n : piece;
    encode_copy_bytes(dst, src, k, encode);
    c = crc_scalar(c, dst, k);
    dst += k;
    src += k;
    n -= k;
  }
  return c;
}

/* ------------------------------------------------------------------------------------------------ x86 paths */

#if PST_X86

#define TARGET_PCLMUL __attribute__((target("pclmul,sse4.1")))
#define TARGET_AVX2 __attribute__((target("avx2,pclmul,sse4.1")))
#define TARGET_AVX512 __attribute__((target("avx512f,avx512bw,avx512vbmi,vpclmulqdq,avx2,pclmul,sse4.1")))

/* Modes of the fused loops (compile-time constants after inlining). */
enum { MODE_CRC = 0, MODE_COPY = 1, MODE_ENCODE = 2 };

TARGET_PCLMUL static inline __m128i pair128(fold_pair k) {
  return _mm_set_epi64x((long long)k.hi, (long long)k.lo);
}

/* acc moved forward by the pair's distance, XORed into data. */
TARGET_PCLMUL static inline __m128i fold128(__m128i acc, __m128i k, __m128i data) {
  __m128i a = _mm_clmulepi64_si128(acc, k, 0x00);
  __m128i b = _mm_clmulepi64_si128(acc, k, 0x11);
  return _mm_xor_si128(_mm_xor_si128(a, b), data);
}

/* The CRC of a lane congruent to everything before `tail`, then of the n tail bytes. */
TARGET_PCLMUL static uint32_t finish128(__m128i x, const uint8_t *tail, size_t n) {
  uint8_t lane[16];
  _mm_storeu_si128((__m128i *)lane, x);
  return crc_scalar(crc_scalar(0, lane, 16), tail, n);
}

/* ---------------------------------------------------------------- avx512 */

TARGET_AVX512 __attribute__((always_inline)) static inline __m512i encode64(__m512i x, __m512i t0, __m512i t1, __m512i t2, __m512i t3) {
  __m512i low = _mm512_permutex2var_epi8(t0, x, t1);  /* ENCODE[x & 127] */
  __m512i high = _mm512_permutex2var_epi8(t2, x, t3); /* ENCODE[128 + (x & 127)] */
  return _mm512_mask_blend_epi8(_mm512_movepi8_mask(x), low, high);
}

TARGET_AVX512 __attribute__((always_inline)) static inline __m512i fold512(__m512i acc, __m512i k, __m512i data) {
  __m512i a = _mm512_clmulepi64_epi128(acc, k, 0x00);
  __m512i b = _mm512_clmulepi64_epi128(acc, k, 0x11);
  return _mm512_ternarylogic_epi64(a, b, data, 0x96); /* a ^ b ^ data */
}

/* Loads 64 bytes at src + at, encodes them (MODE_ENCODE), stores them at dst + at (not MODE_CRC); returns them. */
TARGET_AVX512 __attribute__((always_inline)) static inline __m512i step64(uint8_t *dst, const uint8_t *src, size_t at,
                                                                            int mode, __m512i t0, __m512i t1,
                                                                            __m512i t2, __m512i t3) {
  __m512i v = _mm512_loadu_si512((const void *)(src + at));
  if (mode == MODE_ENCODE) v = encode64(v, t0, t1, t2, t3);
  if (mode != MODE_CRC) _mm512_storeu_si512((void *)(dst + at), v);
  return v;
}

TARGET_AVX512 __attribute__((always_inline)) static inline uint32_t run_avx512(uint8_t *dst, const uint8_t *src,
                                                                                 size_t n, uint32_t c, int mode) {
  const __m512i t0 = _mm512_load_si512((const void *)(ENCODE + 0));
  const __m512i t1 = _mm512_load_si512((const void *)(ENCODE + 64));
  const __m512i t2 = _mm512_load_si512((const void *)(ENCODE + 128));
  const __m512i t3 = _mm512_load_si512((const void *)(ENCODE + 192));
  const uint8_t *out = mode == MODE_CRC ? src : dst; /* where the CRC'd bytes are once written */
  size_t i = 0;
  if (n < 64) {
    if (mode != MODE_CRC && n > 0) {
      __mmask64 m = ((__mmask64)1 << n) - 1;
      __m512i v = _mm512_maskz_loadu_epi8(m, src);
      if (mode == MODE_ENCODE) v = encode64(v, t0, t1, t2, t3);
      _mm512_mask_storeu_epi8(dst, m, v);
    }
    return crc_scalar(c, out, n);
  }
#define PST_LOAD64(at) step64(dst, src, (at), mode, t0, t1, t2, t3)
  const __m512i first = _mm512_maskz_set1_epi32(1, (int)c);
  const __m512i k512 = _mm512_broadcast_i32x4(pair128(FOLD_512));
  __m512i a;
  if (n >= 512) {
    const __m512i k2048 = _mm512_broadcast_i32x4(pair128(FOLD_2048));
    __m512i a0 = _mm512_xor_si512(PST_LOAD64(0), first);
    __m512i a1 = PST_LOAD64(64);
    __m512i a2 = PST_LOAD64(128);
    __m512i a3 = PST_LOAD64(192);
    for (i = 256; i + 256 <= n; i += 256) {
      a0 = fold512(a0, k2048, PST_LOAD64(i));
      a1 = fold512(a1, k2048, PST_LOAD64(i + 64));
      a2 = fold512(a2, k2048, PST_LOAD64(i + 128));
      a3 = fold512(a3, k2048, PST_LOAD64(i + 192));
    }
    a = fold512(fold512(fold512(a0, k512, a1), k512, a2), k512, a3);
  } else {
    a = _mm512_xor_si512(PST_LOAD64(0), first);
    i = 64;
  }
  for (; i + 64 <= n; i += 64) a = fold512(a, k512, PST_LOAD64(i));
#undef PST_LOAD64
  /* Four lanes into one: lane j moves forward by (3 - j) * 128 bits onto lane 3. */
  __m128i x = fold128(_mm512_extracti32x4_epi32(a, 0), pair128(FOLD_384), _mm512_extracti32x4_epi32(a, 3));
  x = fold128(_mm512_extracti32x4_epi32(a, 1), pair128(FOLD_256), x);
  x = fold128(_mm512_extracti32x4_epi32(a, 2), pair128(FOLD_128), x);
  size_t rest = n - i;
  if (mode != MODE_CRC && rest > 0) {
    __mmask64 m = ((__mmask64)1 << rest) - 1;
    __m512i v = _mm512_maskz_loadu_epi8(m, src + i);
    if (mode == MODE_ENCODE) v = encode64(v, t0, t1, t2, t3);
    _mm512_mask_storeu_epi8(dst + i, m, v);
  }
  const __m128i k128 = pair128(FOLD_128);
  for (; i + 16 <= n; i += 16) x = fold128(x, k128, _mm_loadu_si128((const __m128i *)(out + i)));
  return finish128(x, out + i, n - i);
}

TARGET_AVX512 static uint32_t encode_copy_avx512(uint8_t *dst, const uint8_t *src, size_t n, bool encode,
                                                 uint32_t c) {
  return encode ? run_avx512(dst, src, n, c, MODE_ENCODE) : run_avx512(dst, src, n, c, MODE_COPY);
}

TARGET_AVX512 static uint32_t crc_avx512(uint32_t c, const uint8_t *p, size_t n) {
  return run_avx512((uint8_t *)p, p, n, c, MODE_CRC);
}

/* ---------------------------------------------------------------- avx2 */

/* ENCODE[x] for 32 bytes with VPSHUFB, which looks a byte's low nibble up in a 16-byte row and yields 0 when the
 * byte's top bit is set. Each byte half (x < 128, and x >= 128 after flipping the top bit) takes 8 lookups: lookup r
 * adds 112 - 16r with unsigned saturation first, which keeps the low nibble and leaves the top bit clear exactly
 * when the high nibble h <= r. XORing lookups r = h..7 of rows XROWS[r] = ENCODE row r ^ row r+1 (row 7 alone)
 * telescopes to ENCODE row h. Three instructions per row (add, shuffle, XOR) instead of a compare-and-select. */
static uint8_t XROWS[16][16] __attribute__((aligned(32)));

TARGET_AVX2 __attribute__((always_inline)) static inline __m256i encode32(__m256i x, const __m256i *rows) {
  __m256i result = _mm256_setzero_si256();
  const __m256i flipped = _mm256_xor_si256(x, _mm256_set1_epi8((char)0x80));
#pragma GCC unroll 8
  for (int r = 0; r < 8; r++) {
    const __m256i bias = _mm256_set1_epi8((char)(112 - 16 * r));
    result = _mm256_xor_si256(result, _mm256_shuffle_epi8(rows[r], _mm256_adds_epu8(x, bias)));
    result = _mm256_xor_si256(result, _mm256_shuffle_epi8(rows[8 + r], _mm256_adds_epu8(flipped, bias)));
  }
  return result;
}

/* Loads 32 bytes at src + at, encodes them (MODE_ENCODE), stores them at dst + at (not MODE_CRC); returns them. */
TARGET_AVX2 __attribute__((always_inline)) static inline __m256i step32(uint8_t *dst, const uint8_t *src, size_t at,
                                                                          int mode, const __m256i *rows) {
  __m256i v = _mm256_loadu_si256((const __m256i *)(src + at));
  if (mode == MODE_ENCODE) v = encode32(v, rows);
  if (mode != MODE_CRC) _mm256_storeu_si256((__m256i *)(dst + at), v);
  return v;
}

TARGET_AVX2 __attribute__((always_inline)) static inline uint32_t run_avx2(uint8_t *dst, const uint8_t *src, size_t n,
                                                                             uint32_t c, int mode) {
  __m256i rows[16];
  for (int r = 0; r < 16; r++) rows[r] = _mm256_broadcastsi128_si256(_mm_load_si128((const __m128i *)XROWS[r]));
  const uint8_t *out = mode == MODE_CRC ? src : dst;
  if (n < 64) {
    if (mode != MODE_CRC) encode_copy_bytes(dst, src, n, mode == MODE_ENCODE);
    return crc_scalar(c, out, n);
  }
#define PST_LOAD32(at) step32(dst, src, (at), mode, rows)
  const __m128i k512 = pair128(FOLD_512);
  const __m128i k128 = pair128(FOLD_128);
  __m256i v0 = PST_LOAD32(0);
  __m256i v1 = PST_LOAD32(32);
  __m128i x0 = _mm_xor_si128(_mm256_castsi256_si128(v0), _mm_cvtsi32_si128((int)c));
  __m128i x1 = _mm256_extracti128_si256(v0, 1);
  __m128i x2 = _mm256_castsi256_si128(v1);
  __m128i x3 = _mm256_extracti128_si256(v1, 1);
  size_t i;
  for (i = 64; i + 64 <= n; i += 64) {
    v0 = PST_LOAD32(i);
    v1 = PST_LOAD32(i + 32);
    x0 = fold128(x0, k512, _mm256_castsi256_si128(v0));
    x1 = fold128(x1, k512, _mm256_extracti128_si256(v0, 1));
    x2 = fold128(x2, k512, _mm256_castsi256_si128(v1));
    x3 = fold128(x3, k512, _mm256_extracti128_si256(v1, 1));
  }
#undef PST_LOAD32
  __m128i x = fold128(fold128(fold128(x0, k128, x1), k128, x2), k128, x3);
  size_t rest = n - i;
  if (mode != MODE_CRC && rest > 0) {
    size_t j = 0;
    if (mode == MODE_ENCODE && rest >= 32) {
      _mm256_storeu_si256((__m256i *)(dst + i), encode32(_mm256_loadu_si256((const __m256i *)(src + i)), rows));
      j = 32;
    }
    encode_copy_bytes(dst + i + j, src + i + j, rest - j, mode == MODE_ENCODE);
  }
  for (; i + 16 <= n; i += 16) x = fold128(x, k128, _mm_loadu_si128((const __m128i *)(out + i)));
  return finish128(x, out + i, n - i);
}

TARGET_AVX2 static uint32_t encode_copy_avx2(uint8_t *dst, const uint8_t *src, size_t n, bool encode, uint32_t c) {
  return encode ? run_avx2(dst, src, n, c, MODE_ENCODE) : run_avx2(dst, src, n, c, MODE_COPY);
}

TARGET_AVX2 static uint32_t crc_avx2(uint32_t c, const uint8_t *p, size_t n) {
  return run_avx2((uint8_t *)p, p, n, c, MODE_CRC);
}

#endif /* PST_X86 */

/* ------------------------------------------------------------------------------------------------ dispatch */

enum { ISA_SCALAR = 0, ISA_AVX2 = 1, ISA_AVX512 = 2, ISA_COUNT = 3 };
static const char *const ISA_NAMES[ISA_COUNT] = {"scalar", "avx2", "avx512"};

typedef uint32_t (*encode_copy_fn)(uint8_t *, const uint8_t *, size_t, bool, uint32_t);
typedef uint32_t (*crc_fn)(uint32_t, const uint8_t *, size_t);

static bool isa_supported[ISA_COUNT];
/* The path in use, for the whole process (every thread and worker): set at load, changed by setIsa. */
static _Atomic int current_isa = ISA_SCALAR;

static uint32_t crc_scalar_fn(uint32_t c, const uint8_t *p, size_t n) { return crc_scalar(c, p, n); }

static encode_copy_fn encode_copy_for(int isa) {
#if PST_X86
  if (isa == ISA_AVX512) return encode_copy_avx512;
  if (isa == ISA_AVX2) return encode_copy_avx2;
#endif
  (void)isa;
  return encode_copy_scalar;
}

static crc_fn crc_for(int isa) {
#if PST_X86
  if (isa == ISA_AVX512) return crc_avx512;
  if (isa == ISA_AVX2) return crc_avx2;
#endif
  (void)isa;
  return crc_scalar_fn;
}

/* Takes the ENCODE table and derives the AVX2 path's row table from it. */
static void set_table(const uint8_t *table) {
  memcpy(ENCODE, table, 256);
#if PST_X86
  for (int r = 0; r < 16; r++)
    for (int l = 0; l < 16; l++)
      XROWS[r][l] = ENCODE[16 * r + l] ^ ((r & 7) == 7 ? 0 : ENCODE[16 * (r + 1) + l]);
#endif
  atomic_store(&table_ready, true);
}

static pthread_once_t init_control = PTHREAD_ONCE_INIT;

static void init_once(void) {
  for (uint32_t b = 0; b < 256; b++) {
    uint32_t c = b;
    for (int k = 0; k < 8; k++) c = (c & 1) ? (c >> 1) ^ CRC_POLY_REFLECTED : c >> 1;
    CRC_TABLE[0][b] = c;
  }
  for (int t = 1; t < 8; t++)
    for (int b = 0; b < 256; b++) CRC_TABLE[t][b] = (CRC_TABLE[t - 1][b] >> 8) ^ CRC_TABLE[0][CRC_TABLE[t - 1][b] & 0xff];
  FOLD_128 = fold_pair_for(128);
  FOLD_256 = fold_pair_for(256);
  FOLD_384 = fold_pair_for(384);
  FOLD_512 = fold_pair_for(512);
  FOLD_2048 = fold_pair_for(2048);
  isa_supported[ISA_SCALAR] = true;
#if PST_X86
  __builtin_cpu_init();
  isa_supported[ISA_AVX2] =
      __builtin_cpu_supports("avx2") && __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");
  isa_supported[ISA_AVX512] = isa_supported[ISA_AVX2] && __builtin_cpu_supports("avx512f") &&
                              __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vbmi") &&
                              __builtin_cpu_supports("vpclmulqdq");
#endif
  int best = ISA_SCALAR;
  for (int k = 0; k < ISA_COUNT; k++)
    if (isa_supported[k]) best = k;
  atomic_store(&current_isa, best);
}

/* ------------------------------------------------------------------------------------------------ Node-API */

/* Throws a TypeError or RangeError with a printf-formatted message; returns NULL for the callback to return. */
static napi_value throw_error(napi_env env, bool range, const char *code, const char *format, ...)
    __attribute__((format(printf, 4, 5)));
static napi_value throw_error(napi_env env, bool range, const char *code, const char *format, ...) {
  char message[256];
  va_list args;
  va_start(args, format);
  vsnprintf(message, sizeof message, format, args);
  va_end(args);
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) {
    if (range) napi_throw_range_error(env, code, message);
    else napi_throw_type_error(env, code, message);
  }
  return NULL;
}

static const char *type_name(napi_env env, napi_value value) {
  napi_valuetype t;
  if (napi_typeof(env, value, &t) != napi_ok) return "unknown";
  switch (t) {
    case napi_undefined: return "undefined";
    case napi_null: return "null";
    case napi_boolean: return "boolean";
    case napi_number: return "number";
    case napi_string: return "string";
    case napi_symbol: return "symbol";
    case napi_object: return "object";
    case napi_function: return "function";
    case napi_external: return "external";
    case napi_bigint: return "bigint";
  }
  return "unknown";
}

/* A Uint8Array's (or Buffer's) data pointer and length; false after throwing. */
static bool get_bytes(napi_env env, napi_value value, const char *fn, const char *name, uint8_t **data,
                      size_t *length) {
  bool is_typed = false;
  if (napi_is_typedarray(env, value, &is_typed) != napi_ok || !is_typed) {
    throw_error(env, false, "ERR_INVALID_ARG_TYPE", "%s: %s must be a Uint8Array, got %s", fn, name,
                type_name(env, value));
    return false;
  }
  napi_typedarray_type type;
  void *pointer = NULL;
  if (napi_get_typedarray_info(env, value, &type, length, &pointer, NULL, NULL) != napi_ok) {
    throw_error(env, false, "ERR_INVALID_ARG_TYPE", "%s: %s is not a readable typed array", fn, name);
    return false;
  }
  if (type != napi_uint8_array && type != napi_uint8_clamped_array) {
    throw_error(env, false, "ERR_INVALID_ARG_TYPE", "%s: %s must be a Uint8Array, got another typed array", fn,
                name);
    return false;
  }
  if (pointer == NULL && *length > 0) {
    throw_error(env, false, "ERR_INVALID_ARG_TYPE", "%s: %s has no data", fn, name);
    return false;
  }
  *data = pointer;
  return true;
}

/* A non-negative safe integer (an index or a length); false after throwing. */
static bool get_index(napi_env env, napi_value value, const char *fn, const char *name, size_t *out) {
  double d;
  if (napi_get_value_double(env, value, &d) != napi_ok) {
    throw_error(env, false, "ERR_INVALID_ARG_TYPE", "%s: %s must be a number, got %s", fn, name, type_name(env, value));
    return false;
  }
  if (!(d >= 0 && d <= 9007199254740991.0) || d != (double)(uint64_t)d) {
    throw_error(env, true, "ERR_OUT_OF_RANGE", "%s: %s must be a non-negative integer, got %.17g", fn, name, d);
    return false;
  }
  *out = (size_t)d;
  return true;
}

/* A CRC register value: an integer in [-2^31, 2^32), taken as `value >>> 0`; false after throwing. */
static bool get_crc(napi_env env, napi_value value, const char *fn, uint32_t *out) {
  double d;
  if (napi_get_value_double(env, value, &d) != napi_ok) {
    throw_error(env, false, "ERR_INVALID_ARG_TYPE", "%s: crc must be a number, got %s", fn, type_name(env, value));
    return false;
  }
  if (!(d >= -2147483648.0 && d <= 4294967295.0) || d != (double)(int64_t)d) {
    throw_error(env, true, "ERR_OUT_OF_RANGE", "%s: crc must be a 32-bit integer, got %.17g", fn, d);
    return false;
  }
  *out = (uint32_t)(int64_t)d;
  return true;
}

/* `start + length <= size`, else throws naming the range. */
static bool check_range(napi_env env, const char *fn, const char *array, const char *start_name, size_t start,
                        size_t length, size_t size) {
  if (start > size || length > size - start) {
    throw_error(env, true, "ERR_OUT_OF_RANGE", "%s: %s + length (%zu + %zu) exceeds %s.length (%zu)", fn, start_name,
                start, length, array, size);
    return false;
  }
  return true;
}

/* The call's first `count` arguments into argv; false after throwing when fewer were passed. */
static bool get_args(napi_env env, napi_callback_info info, const char *fn, size_t count, napi_value *argv,
                     const char *names) {
  size_t argc = count;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return false;
  if (argc >= count) return true;
  throw_error(env, false, "ERR_MISSING_ARGS", "%s expects %zu argument%s %s, got %zu", fn, count, count == 1 ? "" : "s",
              names, argc);
  return false;
}

static napi_value make_uint32(napi_env env, uint32_t v) {
  napi_value result;
  if (napi_create_uint32(env, v, &result) != napi_ok) return NULL;
  return result;
}

/* encodeCopy(target, at, source, from, length, encode, crc): number */
static napi_value js_encode_copy(napi_env env, napi_callback_info info) {
  static const char fn[] = "encodeCopy";
  napi_value argv[7];
  if (!get_args(env, info, fn, 7, argv, "(target, at, source, from, length, encode, crc)")) return NULL;
  uint8_t *target, *source;
  size_t target_length, source_length, at, from, length;
  bool encode;
  uint32_t c;
  if (!get_bytes(env, argv[0], fn, "target", &target, &target_length)) return NULL;
  if (!get_index(env, argv[1], fn, "at", &at)) return NULL;
  if (!get_bytes(env, argv[2], fn, "source", &source, &source_length)) return NULL;
  if (!get_index(env, argv[3], fn, "from", &from)) return NULL;
  if (!get_index(env, argv[4], fn, "length", &length)) return NULL;
  if (napi_get_value_bool(env, argv[5], &encode) != napi_ok)
    return throw_error(env, false, "ERR_INVALID_ARG_TYPE", "%s: encode must be a boolean, got %s", fn,
                       type_name(env, argv[5]));
  if (!get_crc(env, argv[6], fn, &c)) return NULL;
  if (encode && !atomic_load(&table_ready))
    return throw_error(env, false, "ERR_INVALID_STATE", "%s: no ENCODE table yet (setTable was not called)", fn);
  if (!check_range(env, fn, "target", "at", at, length, target_length)) return NULL;
  if (!check_range(env, fn, "source", "from", from, length, source_length)) return NULL;
  if (length == 0) return make_uint32(env, c);
  uint8_t *dst = target + at;
  const uint8_t *src = source + from;
  encode_copy_fn run = encode_copy_for(atomic_load_explicit(&current_isa, memory_order_relaxed));
  uint32_t result;
  if (dst != src && dst < src + length && src < dst + length) {
    /* Overlapping but not identical ranges: go through a copy of the source. */
    uint8_t *copy = malloc(length);
    if (!copy) return throw_error(env, true, "ERR_OUT_OF_RANGE", "%s: cannot allocate %zu bytes", fn, length);
    memcpy(copy, src, length);
    result = run(dst, copy, length, encode, c);
    free(copy);
  } else {
    result = run(dst, src, length, encode, c);
  }
  return make_uint32(env, result);
}

/* crc(bytes, from, length, crc): number */
static napi_value js_crc(napi_env env, napi_callback_info info) {
  static const char fn[] = "crc";
  napi_value argv[4];
  if (!get_args(env, info, fn, 4, argv, "(bytes, from, length, crc)")) return NULL;
  uint8_t *bytes;
  size_t size, from, length;
  uint32_t c;
  if (!get_bytes(env, argv[0], fn, "bytes", &bytes, &size)) return NULL;
  if (!get_index(env, argv[1], fn, "from", &from)) return NULL;
  if (!get_index(env, argv[2], fn, "length", &length)) return NULL;
  if (!get_crc(env, argv[3], fn, &c)) return NULL;
  if (!check_range(env, fn, "bytes", "from", from, length, size)) return NULL;
  if (length == 0) return make_uint32(env, c);
  return make_uint32(env, crc_for(atomic_load_explicit(&current_isa, memory_order_relaxed))(c, bytes + from, length));
}

/*
 * punchHole(fd, offset, length): deallocates [offset, offset + length) of the open file `fd`, keeping its size
 * (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE): reads of the range give zeros afterwards, and its pages, dirty ones
 * included, leave the page cache without being written back. Returns whether it was done: false where the system or
 * the file system cannot (not Linux, EOPNOTSUPP, ENOSYS, …); the caller then simply keeps the bytes.
 */
static napi_value js_punch_hole(napi_env env, napi_callback_info info) {
  static const char fn[] = "punchHole";
  napi_value argv[3];
  if (!get_args(env, info, fn, 3, argv, "(fd, offset, length)")) return NULL;
  size_t fd, offset, length;
  if (!get_index(env, argv[0], fn, "fd", &fd)) return NULL;
  if (!get_index(env, argv[1], fn, "offset", &offset)) return NULL;
  if (!get_index(env, argv[2], fn, "length", &length)) return NULL;
  if (fd > 0x7fffffff) return throw_error(env, true, "ERR_OUT_OF_RANGE", "%s: fd must be a file descriptor, got %zu", fn, fd);
  bool done = false;
#if defined(__linux__)
  done = length == 0 || fallocate((int)fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)offset, (off_t)length) == 0;
#else
  (void)offset;
#endif
  napi_value result;
  if (napi_get_boolean(env, done, &result) != napi_ok) return NULL;
  return result;
}

/* setTable(table): takes NDB_CRYPT_PERMUTE's 256-byte ENCODE table (the loader passes PERMUTE_ENCODE_TABLE). */
static napi_value js_set_table(napi_env env, napi_callback_info info) {
  static const char fn[] = "setTable";
  napi_value argv[1];
  if (!get_args(env, info, fn, 1, argv, "(table)")) return NULL;
  uint8_t *table;
  size_t length;
  if (!get_bytes(env, argv[0], fn, "table", &table, &length)) return NULL;
  if (length != 256) return throw_error(env, true, "ERR_OUT_OF_RANGE", "%s: table must hold 256 bytes, got %zu", fn, length);
  set_table(table);
  return NULL;
}

static napi_value make_string(napi_env env, const char *s) {
  napi_value result;
  if (napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &result) != napi_ok) return NULL;
  return result;
}

/* isa(): 'avx512' | 'avx2' | 'scalar' */
static napi_value js_isa(napi_env env, napi_callback_info info) {
  (void)info;
  return make_string(env, ISA_NAMES[atomic_load(&current_isa)]);
}

/* supported(): the paths this CPU can run, best first. */
static napi_value js_supported(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value array;
  if (napi_create_array(env, &array) != napi_ok) return NULL;
  uint32_t k = 0;
  for (int isa = ISA_COUNT - 1; isa >= 0; isa--) {
    if (!isa_supported[isa]) continue;
    napi_value name = make_string(env, ISA_NAMES[isa]);
    if (!name || napi_set_element(env, array, k++, name) != napi_ok) return NULL;
  }
  return array;
}

/* setIsa(name): selects a path for the whole process; throws on an unknown name or one this CPU lacks. */
static napi_value js_set_isa(napi_env env, napi_callback_info info) {
  static const char fn[] = "setIsa";
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  char name[32];
  size_t len = 0;
  if (argc < 1 || napi_get_value_string_utf8(env, argv[0], name, sizeof name, &len) != napi_ok)
    return throw_error(env, false, "ERR_INVALID_ARG_TYPE", "%s: name must be a string, got %s", fn,
                       argc < 1 ? "nothing" : type_name(env, argv[0]));
  for (int isa = 0; isa < ISA_COUNT; isa++) {
    if (strcmp(name, ISA_NAMES[isa]) != 0) continue;
    if (!isa_supported[isa])
      return throw_error(env, true, "ERR_OUT_OF_RANGE", "%s: this CPU cannot run the '%s' path", fn, name);
    atomic_store(&current_isa, isa);
    return NULL;
  }
  return throw_error(env, true, "ERR_OUT_OF_RANGE", "%s: name must be 'avx512', 'avx2' or 'scalar', got '%s'", fn,
                     name);
}

NAPI_MODULE_INIT() {
  pthread_once(&init_control, init_once);
  napi_property_descriptor properties[] = {
      {"encodeCopy", NULL, js_encode_copy, NULL, NULL, NULL, napi_enumerable, NULL},
      {"crc", NULL, js_crc, NULL, NULL, NULL, napi_enumerable, NULL},
      {"punchHole", NULL, js_punch_hole, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setTable", NULL, js_set_table, NULL, NULL, NULL, napi_enumerable, NULL},
      {"isa", NULL, js_isa, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setIsa", NULL, js_set_isa, NULL, NULL, NULL, napi_enumerable, NULL},
      {"supported", NULL, js_supported, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof properties / sizeof properties[0], properties) != napi_ok)
    return NULL;
  return exports;
}
