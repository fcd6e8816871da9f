/* SPDX-License-Identifier: MIT */
/*
 * matrix_mult.c - the `matrix-mult` workload: C = A.B for n x n doubles, a
 * CPU- and memory-bound job whose results are large and must travel.
 *
 *   n     = order of the matrices (default 512)
 *   tasks = C is cut into this many blocks of consecutive rows whose heights
 *           differ by at most one (default 16); tasks beyond n get no rows
 *           and return an empty payload
 *   seed  = A and B are generated from it (default 1)
 *
 * Task result: payload = the task's rows of C (rows x n doubles, row-major),
 * pointing into the workload's own C; checksum = the position-weighted hash
 * of those rows (see mm_hash_rows); items = 2 x rows x n^2 floating-point
 * operations.  merge() copies a payload into C unless it already points
 * there (threads computed in place), and adds up the checksums.
 *
 * verify() runs Freivalds' check A(Bx) = Cx with MM_FREIVALDS_ROUNDS random
 * vectors in O(n^2) each and a rounding-error tolerance scaled by n and the
 * magnitudes (see mm_freivalds), then compares the hash of the merged C with
 * the sum of the hashes the workers computed, which catches any byte that
 * changed on the way.  The CSV checksum is that hash of C: it is additive
 * over elements and the kernel sums every element in the same order however
 * the rows are split, so it depends neither on the executor nor on `tasks`
 * (it may differ between machines whose CPUs select different kernels).
 *
 * The kernel: B is packed into KC x NC blocks of 8-wide column panels, A into
 * MC x KC blocks of row panels as tall as the tile (both zero-padded), and a
 * register tile is accumulated over KC in named vector variables.  There are
 * three tiles (mm_kernels): a portable 6 x 8 one in GCC/Clang vector types
 * (SSE2 on the x86-64 baseline: a multiply and an add per step) and, on
 * x86-64, a 6 x 8 one built with __attribute__((target("avx2,fma"))) and a
 * 12 x 16 one with target("avx512f") that reads two panels of B side by side
 * (fused multiply-adds, bit for bit the same C); create() picks the best
 * that __builtin_cpu_supports allows.
 * docs/matrix-mult.md explains the choices.
 */
#include <parbench/plugin.h>

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Bounds of the parameter table, as numbers.  n <= 65536 keeps n^2 x 8 and
 * 2 n^3 far from 2^64. */
#define MM_MAX_N 65536ull
#define MM_MAX_TASKS 100000000ull

/* Register tiles (MR x NR: 6 x 8, and 12 x 16 with AVX-512), and the cache
 * blocks: an MR x KC sliver of A and a KC x NR sliver of B stay in L1, the
 * MC x KC block of packed A in L2, the KC x NC block of packed B in L3.  B
 * is packed in MM_NR-wide panels, a wider tile reading adjacent ones, and
 * each block of B is padded with zero panels to a multiple of MM_NR_MAX
 * columns, so a tile never reads past its block.  MC is a multiple of
 * every MR, NC of MM_NR_MAX. */
#define MM_MR 6
#define MM_MR_AVX512 12
#define MM_MR_MAX 12
#define MM_NR 8
#define MM_NR_AVX512 16
#define MM_NR_MAX 16
#define MM_KC 256
#define MM_MC 96
#define MM_NC 2048
#if MM_NC % MM_NR_MAX != 0 || MM_MC % MM_MR_MAX != 0 || MM_MC % MM_MR != 0
#error "MC must be a multiple of every tile height, NC of MM_NR_MAX"
#endif

/* Freivalds' check: how many random vectors. */
#define MM_FREIVALDS_ROUNDS 3

/* Floating-point operations between two host->checkpoint() calls, per
 * tile: about 100 us of work at the rates measured on an AMD EPYC (Zen 3)
 * core with n = 1024, ~30 GFLOP/s with AVX2 + FMA and ~10 GFLOP/s with
 * SSE2.  The count is checked after each column sliver of a block (2 x MC
 * x NR x KC = 0.8 million operations at most, with the 16-wide tile). */
#define MM_CHECKPOINT_FLOPS_AVX2 3000000ull
#define MM_CHECKPOINT_FLOPS_GENERIC 1000000ull
/* AVX-512: ~40-50 GFLOP/s on an AMD EPYC (Zen 4) core at n = 1024, ~90 on
 * an Intel Xeon with two 512-bit FMA units (a checkpoint every ~45 us). */
#define MM_CHECKPOINT_FLOPS_AVX512 4000000ull

static const struct pb_param mm_params[] = {
    {"n", PB_PARAM_UINT, "512", "1", "65536", NULL,
     "order of the square matrices A, B and C = A.B"},
    {"tasks", PB_PARAM_UINT, "16", "1", "100000000", NULL,
     "C is cut into this many blocks of consecutive rows"},
    {"seed", PB_PARAM_UINT, "1", NULL, NULL, NULL,
     "A and B (entries in [-1, 1)) are generated from this seed"},
    {NULL, 0, NULL, NULL, NULL, NULL, NULL}};

/*
 * The register tile: c[mr x NR] (leading dimension ldc) = (load ? c : 0) +
 * the product of a packed mr x kc panel of A and a packed kc x NR panel of
 * B, summed in order of k, where mr is the tile's height (struct
 * mm_kernel).  Every element of the tile goes through the same operations,
 * so a row's result does not depend on its place in the tile.
 */
typedef void (*mm_tile_fn)(uint64_t kc, const double *a, const double *b,
                           double *c, uint64_t ldc, int load);

/* A tile and what goes with it: its height (A is packed in panels of mr
 * rows; mr divides MM_MC and MM_MR_MAX), its width (nr, a multiple of
 * MM_NR dividing MM_NR_MAX: the tile reads nr / MM_NR adjacent panels of
 * B), the flops between checkpoints at its speed, and whether this CPU
 * runs it. */
struct mm_kernel {
    const char *name;
    mm_tile_fn tile;
    unsigned mr, nr;
    uint64_t checkpoint_flops;
    int (*supported)(void);
};

struct matrix_mult {
    const struct pb_host *host; /* borrowed; outlives the state */
    uint64_t n, tasks, seed;
    double *a;  /* n x n, row-major; written by create only            */
    double *bp; /* B in the kernel's packed layout (mm_b_block), n x
                   mm_padded(n); written by create only                 */
    double *c;  /* n x n: each task writes its own rows; merge copies in */
    mm_tile_fn tile;
    const char *kernel; /* "avx512", "avx2+fma" or "generic", static */
    unsigned mr;        /* the tile's height: A's panels have mr rows     */
    unsigned nr;        /* the tile's width: nr / MM_NR panels of B       */
    uint64_t checkpoint_flops;

    /* The merged answer: written by merge and begin (coordinator only).
     * The core merges every task exactly once. */
    uint64_t items, hash;
};

/* ------------------------------------------------------------------------ */
/* Deterministic numbers                                                     */
/* ------------------------------------------------------------------------ */

/* The splitmix64 finaliser: a bijective 64-bit mix. */
static uint64_t mm_mix(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* A double in [-1, 1) from 53 random bits. */
static double mm_unit(uint64_t bits) {
    return (double)(bits >> 11) * 0x1.0p-52 - 1.0;
}

/* Element `idx` of matrix `which` (0 = A, 1 = B) for `seed`: a pure
 * function, so a spawned worker rebuilds the same matrices. */
static double mm_entry(uint64_t seed, unsigned which, uint64_t idx) {
    return mm_unit(mm_mix(mm_mix(seed * 2 + which) + idx));
}

/* Task `task`'s rows [*r0, *r1): n rows cut into `tasks` blocks, the first
 * (n % tasks) one row taller; a block may be empty. */
static void mm_task_rows(const struct matrix_mult *mm, uint64_t task,
                         uint64_t *r0, uint64_t *r1) {
    uint64_t q = mm->n / mm->tasks, r = mm->n % mm->tasks;
    *r0 = task * q + (task < r ? task : r);
    *r1 = *r0 + q + (task < r ? 1 : 0);
}

/*
 * The hash of rows [r0, r1) of an n-column matrix whose first row is `rows`:
 * the sum (mod 2^64) of a mix of each element's bit pattern with its
 * position in the whole matrix.  Being a sum, the hashes of disjoint row
 * blocks add up to the hash of the matrix.  mm_hash_rows_generic is the
 * definition; mm_hash_rows_avx512 computes the same sum 8 elements at a
 * time, and mm_hash_rows calls it when the CPU has AVX-512F and DQ.
 */
static uint64_t mm_hash_rows_generic(const double *rows, uint64_t n,
                                     uint64_t r0, uint64_t r1) {
    uint64_t h = 0, idx = r0 * n;
    for (uint64_t i = 0; i < (r1 - r0) * n; i++, idx++) {
        uint64_t bits;
        memcpy(&bits, &rows[i], sizeof bits);
        h += mm_mix(bits ^ mm_mix(idx + 0x9e3779b97f4a7c15ull));
    }
    return h;
}

#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>
#define MM_HAVE_X86 1

/* mm_mix on 8 lanes. */
__attribute__((target("avx512f,avx512dq"))) static inline __m512i
mm_mix8(__m512i z) {
    z = _mm512_xor_si512(z, _mm512_srli_epi64(z, 30));
    z = _mm512_mullo_epi64(z,
                           _mm512_set1_epi64((long long)0xbf58476d1ce4e5b9ull));
    z = _mm512_xor_si512(z, _mm512_srli_epi64(z, 27));
    z = _mm512_mullo_epi64(z,
                           _mm512_set1_epi64((long long)0x94d049bb133111ebull));
    return _mm512_xor_si512(z, _mm512_srli_epi64(z, 31));
}

__attribute__((target("avx512f,avx512dq"))) static uint64_t
mm_hash_rows_avx512(const double *rows, uint64_t n, uint64_t r0, uint64_t r1) {
    const uint64_t count = (r1 - r0) * n, base = r0 * n;
    __m512i acc = _mm512_setzero_si512();
    __m512i pos = _mm512_add_epi64(
        _mm512_set1_epi64((long long)(base + 0x9e3779b97f4a7c15ull)),
        _mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0));
    const __m512i eight = _mm512_set1_epi64(8);
    uint64_t i = 0;
    for (; i + 8 <= count; i += 8) {
        __m512i bits = _mm512_loadu_si512((const void *)(rows + i));
        acc = _mm512_add_epi64(acc,
                               mm_mix8(_mm512_xor_si512(bits, mm_mix8(pos))));
        pos = _mm512_add_epi64(pos, eight);
    }
    uint64_t lanes[8], h = 0;
    _mm512_storeu_si512((void *)lanes, acc);
    for (unsigned l = 0; l < 8; l++)
        h += lanes[l];
    for (; i < count; i++) {
        uint64_t bits;
        memcpy(&bits, &rows[i], sizeof bits);
        h += mm_mix(bits ^ mm_mix(base + i + 0x9e3779b97f4a7c15ull));
    }
    return h;
}
#endif

static uint64_t mm_hash_rows(const double *rows, uint64_t n, uint64_t r0,
                             uint64_t r1) {
#ifdef MM_HAVE_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq"))
        return mm_hash_rows_avx512(rows, n, r0, r1);
#endif
    return mm_hash_rows_generic(rows, n, r0, r1);
}

/* ------------------------------------------------------------------------ */
/* Kernel                                                                    */
/* ------------------------------------------------------------------------ */

/* Size in doubles of the buffer a worker packs blocks of A into. */
static size_t mm_pack_size(uint64_t n) {
    uint64_t kc = n < MM_KC ? n : MM_KC;
    uint64_t mc =
        n < MM_MC ? (n + MM_MR_MAX - 1) / MM_MR_MAX * MM_MR_MAX : MM_MC;
    return (size_t)(mc * kc);
}

/* Columns `cols` of B as stored: rounded up to a multiple of MM_NR_MAX. */
static uint64_t mm_padded(uint64_t cols) {
    return (cols + MM_NR_MAX - 1) / MM_NR_MAX * MM_NR_MAX;
}

/*
 * B is kept packed, in the order the kernel reads it: for each block of NC
 * columns starting at jc (in order), for each block of KC rows starting at
 * pc, a KC x NCP block (NCP: the block's width rounded up to MM_NR_MAX)
 * made of NR-wide column panels, each stored row by row; columns past n
 * are 0.  Returns the block at (jc, pc) and sets its height and width.  A
 * column block before jc holds n x NC doubles (NC is a multiple of
 * MM_NR_MAX), so the block starts at jc n + pc NCP.
 */
static const double *mm_b_block(const struct matrix_mult *mm, uint64_t jc,
                                uint64_t pc, uint64_t *kc, uint64_t *nc) {
    const uint64_t n = mm->n;
    *kc = n - pc < MM_KC ? n - pc : MM_KC;
    *nc = n - jc < MM_NC ? n - jc : MM_NC;
    return mm->bp + jc * n + pc * mm_padded(*nc);
}

/* Pack rows [0, mc) x columns [0, kc) of A (leading dimension lda) into
 * panels of h rows, each column of a panel contiguous; rows past mc are
 * 0.  Writes ceil(mc / h) h kc doubles. */
static void mm_pack_a(uint64_t mc, uint64_t kc, const double *a, uint64_t lda,
                      double *restrict ap, uint64_t h) {
    for (uint64_t i0 = 0; i0 < mc; i0 += h) {
        uint64_t mr = mc - i0 < h ? mc - i0 : h;
        for (uint64_t i = 0; i < mr; i++) {
            const double *row = a + (i0 + i) * lda;
            for (uint64_t k = 0; k < kc; k++)
                ap[k * h + i] = row[k];
        }
        for (uint64_t i = mr; i < h; i++)
            for (uint64_t k = 0; k < kc; k++)
                ap[k * h + i] = 0.0;
        ap += h * kc;
    }
}

/* Two doubles as one vector: every 64-bit target has registers of this
 * size (SSE2 on the x86-64 baseline, NEON on AArch64), and GCC and Clang
 * map the operators onto them. */
typedef double mm_v2 __attribute__((vector_size(16)));

/*
 * Both tiles hold their accumulators in named variables, one pair of
 * vectors per row (MM_ROWS lists the rows): compilers keep named
 * vectors in registers, where an array of them tends to live in memory.
 */
#if MM_MR != 6 || MM_NR != 8
#error "the tiles below are written out for MR = 6, NR = 8"
#endif
#define MM_ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5)

/* The portable tile: a multiply and an add per step, in 2-wide vectors.
 * Sixteen registers hold a 6 x 4 half tile, so the two column halves are
 * computed one after the other (each element still sums in order of k). */
static void mm_tile_generic(uint64_t kc, const double *restrict a,
                            const double *restrict b, double *restrict c,
                            uint64_t ldc, int load) {
#define MM_G_DECL(i) mm_v2 c##i##0 = {0, 0}, c##i##1 = {0, 0};
#define MM_G_LOAD(i)                                                           \
    memcpy(&c##i##0, cj + i * ldc, sizeof c##i##0);                            \
    memcpy(&c##i##1, cj + i * ldc + 2, sizeof c##i##1);
#define MM_G_STEP(i)                                                           \
    c##i##0 += b0 * ak[i];                                                     \
    c##i##1 += b1 * ak[i];
#define MM_G_STORE(i)                                                          \
    memcpy(cj + i * ldc, &c##i##0, sizeof c##i##0);                            \
    memcpy(cj + i * ldc + 2, &c##i##1, sizeof c##i##1);
    for (int half = 0; half < 2; half++) {
        double *cj = c + 4 * half;
        const double *ak = a, *bk = b + 4 * half;
        MM_ROWS(MM_G_DECL)
        if (load) {
            MM_ROWS(MM_G_LOAD)
        }
        for (uint64_t k = 0; k < kc; k++, ak += MM_MR, bk += MM_NR) {
            mm_v2 b0, b1;
            memcpy(&b0, bk, sizeof b0);
            memcpy(&b1, bk + 2, sizeof b1);
            MM_ROWS(MM_G_STEP)
        }
        MM_ROWS(MM_G_STORE)
    }
}

#ifdef MM_HAVE_X86
/* The same tile with AVX2 registers and fused multiply-adds.  As in the
 * AVX-512 tile, the next tile's C rows are prefetched while this one
 * computes (into L1: six lines), and the loop over k is unrolled four
 * times; neither changes the arithmetic. */
__attribute__((target("avx2,fma"))) static void
mm_tile_avx2(uint64_t kc, const double *restrict a, const double *restrict b,
             double *restrict c, uint64_t ldc, int load) {
#define MM_X_DECL(i) __m256d c##i##0 = _mm256_setzero_pd(), c##i##1 = c##i##0;
#define MM_X_LOAD(i)                                                           \
    c##i##0 = _mm256_loadu_pd(c + i * ldc);                                    \
    c##i##1 = _mm256_loadu_pd(c + i * ldc + 4);
#define MM_X_STEP(i)                                                           \
    ai = _mm256_broadcast_sd(a + i);                                           \
    c##i##0 = _mm256_fmadd_pd(ai, b0, c##i##0);                                \
    c##i##1 = _mm256_fmadd_pd(ai, b1, c##i##1);
#define MM_X_STORE(i)                                                          \
    _mm256_storeu_pd(c + i * ldc, c##i##0);                                    \
    _mm256_storeu_pd(c + i * ldc + 4, c##i##1);
    const uintptr_t next = (uintptr_t)c + MM_MR * ldc * sizeof *c;
#define MM_X_PREFETCH(i)                                                       \
    _mm_prefetch((const char *)(next + (uintptr_t)(i)*ldc * sizeof *c),        \
                 _MM_HINT_T0);
    MM_ROWS(MM_X_DECL)
    if (load) {
        MM_ROWS(MM_X_LOAD)
    }
    MM_ROWS(MM_X_PREFETCH)
#pragma GCC unroll 4
    for (uint64_t k = 0; k < kc; k++, a += MM_MR, b += MM_NR) {
        __m256d b0 = _mm256_load_pd(b), b1 = _mm256_load_pd(b + 4), ai;
        MM_ROWS(MM_X_STEP)
    }
    MM_ROWS(MM_X_STORE)
}

static int mm_has_avx2(void) {
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

/*
 * AVX-512: a 12 x 16 tile, two 512-bit registers per row of C (24 of the
 * 32 registers), reading two adjacent 8-wide panels of B.  Each step of k
 * loads the two panels' rows and broadcasts each of the 12 A elements once
 * for its row's two fused multiply-adds: 14 loads for 24 fused
 * multiply-adds, within what two load ports feed to two 512-bit FMA units
 * (a 24 x 8 tile, broadcasting from memory into every FMA, needs 25 loads
 * for 24 and is held back by the loads on such a core).  Every element is
 * the same chain of fused multiply-adds in order of k as in the AVX2 tile,
 * so both give C bit for bit the same.  The loop over k is unrolled four
 * times, and the C rows of the next tile down (24 lines) are prefetched
 * while this one computes; at n = 2048 C lies in memory.
 */
/* clang-format off */
#define MM_ROWS12(X)                                                           \
    X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11)
/* clang-format on */
#if MM_MR_AVX512 != 12 || MM_NR_AVX512 != 2 * MM_NR
#error "the AVX-512 tile is written out for 12 rows of two 8-wide panels"
#endif
__attribute__((target("avx512f"))) static void
mm_tile_avx512(uint64_t kc, const double *restrict a, const double *restrict b,
               double *restrict c, uint64_t ldc, int load) {
#define MM_Z_DECL(i) __m512d c##i##0 = _mm512_setzero_pd(), c##i##1 = c##i##0;
#define MM_Z_LOAD(i)                                                           \
    c##i##0 = _mm512_loadu_pd(c + i * ldc);                                    \
    c##i##1 = _mm512_loadu_pd(c + i * ldc + 8);
#define MM_Z_PREFETCH(i)                                                       \
    _mm_prefetch((const char *)(next + (uintptr_t)(i)*ldc * sizeof *c),        \
                 _MM_HINT_T0);                                                 \
    _mm_prefetch((const char *)(next + (uintptr_t)(i)*ldc * sizeof *c + 64),   \
                 _MM_HINT_T0);
#define MM_Z_STEP(i)                                                           \
    ai = _mm512_set1_pd(a[i]);                                                 \
    c##i##0 = _mm512_fmadd_pd(ai, b0, c##i##0);                                \
    c##i##1 = _mm512_fmadd_pd(ai, b1, c##i##1);
#define MM_Z_STORE(i)                                                          \
    _mm512_storeu_pd(c + i * ldc, c##i##0);                                    \
    _mm512_storeu_pd(c + i * ldc + 8, c##i##1);
    /* The next tile's rows, as an address only (it may lie past C, and a
     * prefetch never faults). */
    const uintptr_t next = (uintptr_t)c + 12 * ldc * sizeof *c;
    const double *b2 = b + MM_NR * kc; /* the second panel */
    MM_ROWS12(MM_Z_DECL)
    if (load) {
        MM_ROWS12(MM_Z_LOAD)
    }
    MM_ROWS12(MM_Z_PREFETCH)
#pragma GCC unroll 4
    for (uint64_t k = 0; k < kc; k++, a += 12, b += MM_NR, b2 += MM_NR) {
        __m512d b0 = _mm512_load_pd(b), b1 = _mm512_load_pd(b2), ai;
        MM_ROWS12(MM_Z_STEP)
    }
    MM_ROWS12(MM_Z_STORE)
}

static int mm_has_avx512(void) { return __builtin_cpu_supports("avx512f"); }
#endif

static int mm_always(void) { return 1; }

/* Every tile, best first; mm_pick_kernel takes the first this CPU runs. */
static const struct mm_kernel mm_kernels[] = {
#ifdef MM_HAVE_X86
    {"avx512", mm_tile_avx512, MM_MR_AVX512, MM_NR_AVX512,
     MM_CHECKPOINT_FLOPS_AVX512, mm_has_avx512},
    {"avx2+fma", mm_tile_avx2, MM_MR, MM_NR, MM_CHECKPOINT_FLOPS_AVX2,
     mm_has_avx2},
#endif
    {"generic", mm_tile_generic, MM_MR, MM_NR, MM_CHECKPOINT_FLOPS_GENERIC,
     mm_always},
};
#define MM_NKERNELS (sizeof mm_kernels / sizeof *mm_kernels)

/* Select the tile called `name`: 0, or -1 if there is none or this CPU
 * cannot run it (the state is then unchanged). */
static int mm_use_kernel(struct matrix_mult *mm, const char *name) {
#ifdef MM_HAVE_X86
    __builtin_cpu_init();
#endif
    for (size_t i = 0; i < MM_NKERNELS; i++)
        if (strcmp(mm_kernels[i].name, name) == 0) {
            if (!mm_kernels[i].supported())
                return -1;
            mm->tile = mm_kernels[i].tile;
            mm->kernel = mm_kernels[i].name;
            mm->mr = mm_kernels[i].mr;
            mm->nr = mm_kernels[i].nr;
            mm->checkpoint_flops = mm_kernels[i].checkpoint_flops;
            return 0;
        }
    return -1;
}

/* The best tile this CPU runs, chosen once in create(). */
static void mm_pick_kernel(struct matrix_mult *mm) {
    for (size_t i = 0; i < MM_NKERNELS; i++)
        if (mm_use_kernel(mm, mm_kernels[i].name) == 0)
            return;
}

/* A tile at the edge of C (mr below the tile's height, or nr below its
 * width w) goes through a full-size scratch tile, so it is computed by the
 * very same code as the others. */
static void mm_tile_edge(mm_tile_fn tile, uint64_t kc, const double *a,
                         const double *b, double *c, uint64_t ldc, uint64_t mr,
                         uint64_t nr, uint64_t w, int load) {
    double t[MM_MR_MAX * MM_NR_MAX] = {0};
    if (load)
        for (uint64_t i = 0; i < mr; i++)
            for (uint64_t j = 0; j < nr; j++)
                t[i * w + j] = c[i * ldc + j];
    tile(kc, a, b, t, w, load);
    for (uint64_t i = 0; i < mr; i++)
        for (uint64_t j = 0; j < nr; j++)
            c[i * ldc + j] = t[i * w + j];
}

/*
 * C[r0..r1) = A[r0..r1) . B with the blocked loops of BLIS around the tile
 * (jc, pc, ic, jr, ir).  B is packed already (mm_b_block); `ap` is the
 * worker's buffer for blocks of A (mm_pack_size doubles, 64-byte aligned).  K
 * is cut at the same places for every task, so each element of C sums its n
 * products in the same order whatever rows the task has.  Calls
 * host->checkpoint() every checkpoint_flops. Returns 0, or -1 if the run was
 * cancelled meanwhile.
 */
static int mm_gemm(const struct matrix_mult *mm, uint64_t r0, uint64_t r1,
                   double *ap, const struct pb_host *host,
                   struct pb_task_ctx *ctx) {
    const uint64_t n = mm->n;
    const mm_tile_fn tile = mm->tile;
    const uint64_t h = mm->mr, w = mm->nr;
    uint64_t work = 0;
    for (uint64_t jc = 0; jc < n; jc += MM_NC) {
        for (uint64_t pc = 0; pc < n; pc += MM_KC) {
            uint64_t kc, nc;
            const double *bp = mm_b_block(mm, jc, pc, &kc, &nc);
            for (uint64_t ic = r0; ic < r1; ic += MM_MC) {
                uint64_t mc = r1 - ic < MM_MC ? r1 - ic : MM_MC;
                mm_pack_a(mc, kc, mm->a + ic * n + pc, n, ap, h);
                for (uint64_t jr = 0; jr < nc; jr += w) {
                    uint64_t nr = nc - jr < w ? nc - jr : w;
                    const double *bq = bp + jr * kc;
                    for (uint64_t ir = 0; ir < mc; ir += h) {
                        uint64_t mr = mc - ir < h ? mc - ir : h;
                        double *c = mm->c + (ic + ir) * n + jc + jr;
                        if (mr == h && nr == w)
                            tile(kc, ap + ir * kc, bq, c, n, pc > 0);
                        else
                            mm_tile_edge(tile, kc, ap + ir * kc, bq, c, n, mr,
                                         nr, w, pc > 0);
                    }
                    work += 2 * mc * w * kc;
                    if (work >= mm->checkpoint_flops) {
                        work = 0;
                        host->checkpoint(ctx);
                        if (host->cancelled())
                            return -1;
                    }
                }
            }
        }
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Verification                                                              */
/* ------------------------------------------------------------------------ */

/*
 * Freivalds' check of C = A.B with one random vector x (|x_j| in [0.5, 1),
 * random signs, from `seed` and `round`): y = Bx, z = Ay and w = Cx, each
 * O(n^2).  Rounding makes z and w differ by at most about 3 n u |A||B||x|
 * (u = DBL_EPSILON / 2: the error bounds of the product C and of the three
 * matrix-vector products), so row i passes when
 *
 *     |z_i - w_i| <= 4 (n + 2) DBL_EPSILON (|A| (|B| |x|))_i
 *
 * which leaves a margin of more than 2.  A wrong element C_ij = AB_ij + e
 * moves w_i by e x_j with |x_j| >= 0.5, so it is caught whenever |e| exceeds
 * twice the tolerance (about 1e-7 relative to |C_ij| for n = 1024 and these
 * entries); smaller changes are left to the hash.  NaN and infinity fail.
 * `work` holds 4n doubles.  Returns 0 or -1 with the first bad row in err.
 */
static int mm_freivalds(const struct matrix_mult *mm, unsigned round,
                        double *work, char *err, size_t errlen) {
    const uint64_t n = mm->n;
    double *x = work, *y = work + n, *ya = work + 2 * n, *ax = work + 3 * n;
    uint64_t s = mm_mix(mm->seed ^ 0x46726569ull) + round;
    for (uint64_t j = 0; j < n; j++) {
        uint64_t r = mm_mix(s * 0x100000001b3ull + j);
        double v = 0.5 + (double)(r >> 12) * 0x1.0p-53; /* [0.5, 1) */
        x[j] = (r & 1) ? -v : v;
        ax[j] = v;
    }
    /* y = Bx and ya = |B||x|, walking packed B block by block. */
    memset(y, 0, 2 * n * sizeof *y); /* y and ya */
    for (uint64_t jc = 0; jc < n; jc += MM_NC)
        for (uint64_t pc = 0; pc < n; pc += MM_KC) {
            uint64_t kc, nc;
            const double *blk = mm_b_block(mm, jc, pc, &kc, &nc);
            for (uint64_t jr = 0; jr < nc; jr += MM_NR) {
                uint64_t nr = nc - jr < MM_NR ? nc - jr : MM_NR;
                const double *panel = blk + jr * kc, *xj = x + jc + jr;
                const double *axj = ax + jc + jr;
                for (uint64_t k = 0; k < kc; k++) {
                    double sy = 0.0, sa = 0.0;
                    for (uint64_t j = 0; j < nr; j++) {
                        sy += panel[k * MM_NR + j] * xj[j];
                        sa += fabs(panel[k * MM_NR + j]) * axj[j];
                    }
                    y[pc + k] += sy;
                    ya[pc + k] += sa;
                }
            }
        }
    const double scale = 4.0 * (double)(n + 2) * DBL_EPSILON;
    for (uint64_t i = 0; i < n; i++) {
        const double *ai = mm->a + i * n, *ci = mm->c + i * n;
        double z = 0.0, za = 0.0, w = 0.0;
        for (uint64_t k = 0; k < n; k++) {
            z += ai[k] * y[k];
            za += fabs(ai[k]) * ya[k];
            w += ci[k] * x[k];
        }
        double diff = fabs(z - w), tol = scale * za + DBL_MIN;
        if (!(diff <= tol)) {
            snprintf(err, errlen,
                     "Freivalds' check failed in row %" PRIu64
                     " (vector %u): |A(Bx) - Cx| = %.3g exceeds the "
                     "tolerance %.3g",
                     i, round + 1, diff, tol);
            return -1;
        }
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Memory                                                                    */
/* ------------------------------------------------------------------------ */

/* Bytes the coordinator needs for order n: A, B (padded to whole panels)
 * and C, the verification vectors, and a packing buffer for each of `cpus`
 * workers. */
static uint64_t mm_memory_needed(uint64_t n, uint64_t cpus) {
    return (2 * n * n + n * mm_padded(n) + 4 * n + cpus * mm_pack_size(n)) *
           sizeof(double);
}

/* MemAvailable from /proc/meminfo in bytes; 0 if it cannot be read. */
static uint64_t mm_mem_available(void) {
    FILE *f = fopen("/proc/meminfo", "r");
    if (!f)
        return 0;
    char line[256];
    uint64_t kib = 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "MemAvailable: %" SCNu64 " kB", &kib) == 1)
            break;
    fclose(f);
    return kib * 1024;
}

/* "12.3 GiB" style. */
static void mm_format_bytes(uint64_t bytes, char *buf, size_t len) {
    static const char *const units[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
    double v = (double)bytes;
    unsigned u = 0;
    while (v >= 1024.0 && u < 4) {
        v /= 1024.0;
        u++;
    }
    if (u == 0)
        snprintf(buf, len, "%" PRIu64 " bytes", bytes);
    else
        snprintf(buf, len, "%.1f %s", v, units[u]);
}

/* 0 if order n fits in `avail` bytes (0 = unknown: accepted), else -1 with
 * a sentence naming n, the memory needed and available, and the largest n
 * that would fit. */
static int mm_check_memory(uint64_t n, uint64_t cpus, uint64_t avail, char *err,
                           size_t errlen) {
    uint64_t need = mm_memory_needed(n, cpus);
    if (avail == 0 || need <= avail)
        return 0;
    uint64_t fit = n;
    while (fit > 1 && mm_memory_needed(fit, cpus) > avail)
        fit = fit * 15 / 16;
    char sneed[32], savail[32];
    mm_format_bytes(need, sneed, sizeof sneed);
    mm_format_bytes(avail, savail, sizeof savail);
    snprintf(err, errlen,
             "n = %" PRIu64 " needs %s (A, B and C: 3 x n^2 x 8 bytes, plus "
             "working memory) but %s is available (MemAvailable in "
             "/proc/meminfo); choose n <= %" PRIu64,
             n, sneed, savail, fit);
    return -1;
}

static uint64_t mm_online_cpus(void) {
    long c = sysconf(_SC_NPROCESSORS_ONLN);
    return c > 0 ? (uint64_t)c : 1;
}

/* ------------------------------------------------------------------------ */
/* Workload operations                                                       */
/* ------------------------------------------------------------------------ */

static int mm_check(const struct pb_host *host, const struct pb_params *params,
                    char *err, size_t errlen) {
    return mm_check_memory(host->param_uint(params, "n"), mm_online_cpus(),
                           mm_mem_available(), err, errlen);
}

static void mm_destroy(void *state) {
    struct matrix_mult *mm = state;
    if (mm) {
        free(mm->a);
        free(mm->bp);
        free(mm->c);
        free(mm);
    }
}

/* 64-byte aligned, uninitialised; NULL when out of memory. */
static double *mm_alloc(size_t count) {
    void *p = NULL;
    if (posix_memalign(&p, 64, count ? count * sizeof(double) : 64) != 0)
        return NULL;
    return p;
}

/* As mm_alloc, for data only read once written (A, packed B): 2 MiB
 * aligned and advised as huge pages when that large, so that the kernel's
 * walks through them take fewer TLB misses (with transparent huge pages
 * on `madvise`, as Debian has them; nothing changes where they are off).
 * Never C: a forked worker writes its rows of it, and a write to a huge
 * page shared with the coordinator would copy 2 MiB. */
static double *mm_alloc_huge(size_t count) {
    size_t bytes = count * sizeof(double);
    if (bytes < (2u << 20))
        return mm_alloc(count);
    void *p = NULL;
    if (posix_memalign(&p, 2u << 20, bytes) != 0)
        return NULL;
    (void)madvise(p, bytes, MADV_HUGEPAGE);
    return p;
}

/* Fill packed B: element (k, j) of B is mm_entry(seed, 1, k n + j); the
 * padding panels are zeros. */
static void mm_generate_b(struct matrix_mult *mm) {
    const uint64_t n = mm->n;
    for (uint64_t jc = 0; jc < n; jc += MM_NC)
        for (uint64_t pc = 0; pc < n; pc += MM_KC) {
            uint64_t kc, nc;
            double *blk = (double *)mm_b_block(mm, jc, pc, &kc, &nc);
            for (uint64_t jr = 0; jr < mm_padded(nc); jr += MM_NR) {
                double *panel = blk + jr * kc;
                for (uint64_t k = 0; k < kc; k++)
                    for (uint64_t j = 0; j < MM_NR; j++)
                        panel[k * MM_NR + j] =
                            jr + j < nc ? mm_entry(mm->seed, 1,
                                                   (pc + k) * n + jc + jr + j)
                                        : 0.0;
            }
        }
}

static int mm_create(const struct pb_host *host, const struct pb_params *params,
                     void **state, char *err, size_t errlen) {
    uint64_t n = host->param_uint(params, "n");
    uint64_t tasks = host->param_uint(params, "tasks");
    uint64_t seed = host->param_uint(params, "seed");
    if (n < 1 || n > MM_MAX_N) {
        snprintf(err, errlen, "n = %" PRIu64 " is out of range 1..%llu", n,
                 MM_MAX_N);
        return -1;
    }
    if (tasks < 1 || tasks > MM_MAX_TASKS) {
        snprintf(err, errlen, "tasks = %" PRIu64 " is out of range 1..%llu",
                 tasks, MM_MAX_TASKS);
        return -1;
    }
    struct matrix_mult *mm = calloc(1, sizeof *mm);
    if (!mm) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    mm->host = host;
    mm->n = n;
    mm->tasks = tasks;
    mm->seed = seed;
    mm->a = mm_alloc_huge((size_t)(n * n));
    mm->bp = mm_alloc_huge((size_t)(n * mm_padded(n)));
    mm->c = mm_alloc((size_t)(n * n)); /* pages touched by their writers */
    if (!mm->a || !mm->bp || !mm->c) {
        mm_destroy(mm);
        char need[32];
        mm_format_bytes(3 * n * n * sizeof(double), need, sizeof need);
        snprintf(err, errlen, "out of memory for n = %" PRIu64 " (%s)", n,
                 need);
        return -1;
    }
    for (uint64_t i = 0; i < n * n; i++)
        mm->a[i] = mm_entry(seed, 0, i);
    mm_generate_b(mm);
    mm_pick_kernel(mm);
    *state = mm;
    return 0;
}

static uint64_t mm_task_count(const void *state) {
    return ((const struct matrix_mult *)state)->tasks;
}

static void mm_begin(void *state) {
    struct matrix_mult *mm = state;
    mm->items = mm->hash = 0;
}

/* The worker's buffer for packed blocks of A. */
static int mm_worker_init(void *state, unsigned worker, void **wstate,
                          char *err, size_t errlen) {
    const struct matrix_mult *mm = state;
    *wstate = mm_alloc(mm_pack_size(mm->n));
    if (!*wstate) {
        snprintf(err, errlen, "worker %u: out of memory for a packing buffer",
                 worker);
        return -1;
    }
    return 0;
}

static void mm_worker_fini(void *state, void *wstate) {
    (void)state;
    free(wstate);
}

static int mm_run_task(void *state, void *wstate, struct pb_task_ctx *ctx,
                       uint64_t task, struct pb_task_result *out, char *err,
                       size_t errlen) {
    const struct matrix_mult *mm = state;
    if (task >= mm->tasks) {
        snprintf(err, errlen, "task %" PRIu64 " of %" PRIu64 " does not exist",
                 task, mm->tasks);
        return -1;
    }
    uint64_t r0, r1;
    mm_task_rows(mm, task, &r0, &r1);
    out->checksum = 0;
    out->items = 2 * (r1 - r0) * mm->n * mm->n;
    out->payload = NULL;
    out->payload_size = 0;
    if (r0 == r1)
        return 0;
    /* Without worker_init (a host that skips it), a buffer per task. */
    double *buf = wstate ? wstate : mm_alloc(mm_pack_size(mm->n));
    if (!buf) {
        snprintf(err, errlen, "out of memory for a packing buffer");
        return -1;
    }
    int rc = mm_gemm(mm, r0, r1, buf, mm->host, ctx);
    if (buf != wstate)
        free(buf);
    if (rc < 0) {
        snprintf(err, errlen,
                 "cancelled while computing rows %" PRIu64 "..%" PRIu64, r0,
                 r1 - 1);
        return -1;
    }
    double *rows = mm->c + r0 * mm->n;
    out->checksum = mm_hash_rows(rows, mm->n, r0, r1);
    out->payload = rows;
    out->payload_size = (size_t)((r1 - r0) * mm->n * sizeof(double));
    return 0;
}

static int mm_merge(void *state, uint64_t task,
                    const struct pb_task_result *res, char *err,
                    size_t errlen) {
    struct matrix_mult *mm = state;
    if (task >= mm->tasks) {
        snprintf(err, errlen,
                 "merge of task %" PRIu64 ", but there are %" PRIu64 " tasks",
                 task, mm->tasks);
        return -1;
    }
    uint64_t r0, r1;
    mm_task_rows(mm, task, &r0, &r1);
    size_t want = (size_t)((r1 - r0) * mm->n * sizeof(double));
    if (res->payload_size != want || (want && !res->payload)) {
        snprintf(err, errlen,
                 "task %" PRIu64 " (rows %" PRIu64 "..%" PRIu64
                 ") sent %zu bytes, expected %zu",
                 task, r0, r1, res->payload_size, want);
        return -1;
    }
    double *rows = mm->c + r0 * mm->n;
    if (want && res->payload != rows) /* it crossed a process boundary */
        memcpy(rows, res->payload, want);
    mm->items += res->items;
    mm->hash += res->checksum;
    return 0;
}

static int mm_verify(void *state, uint64_t *checksum, char *err,
                     size_t errlen) {
    const struct matrix_mult *mm = state;
    const uint64_t n = mm->n;
    *checksum = 0;
    if (mm->items != 2 * n * n * n) {
        snprintf(err, errlen,
                 "%" PRIu64
                 " floating-point operations reported for n = %" PRIu64
                 ", expected 2 n^3 = %" PRIu64,
                 mm->items, n, 2 * n * n * n);
        return -1;
    }
    double *work = mm_alloc((size_t)(4 * n));
    if (!work) {
        snprintf(err, errlen, "out of memory for Freivalds' vectors");
        return -1;
    }
    int rc = 0;
    for (unsigned r = 0; r < MM_FREIVALDS_ROUNDS && rc == 0; r++)
        rc = mm_freivalds(mm, r, work, err, errlen);
    free(work);
    if (rc < 0)
        return -1;
    uint64_t h = mm_hash_rows(mm->c, n, 0, n);
    *checksum = h;
    if (h != mm->hash) {
        snprintf(err, errlen,
                 "C differs from the rows the workers computed (hash 0x%" PRIx64
                 ", the workers' 0x%" PRIx64 "): a payload changed on the way",
                 h, mm->hash);
        return -1;
    }
    return 0;
}

static const struct pb_workload_ops mm_ops = {
    .size = sizeof(struct pb_workload_ops),
    .create = mm_create,
    .task_count = mm_task_count,
    .begin = mm_begin,
    .worker_init = mm_worker_init,
    .worker_fini = mm_worker_fini,
    .run_task = mm_run_task,
    .merge = mm_merge,
    .verify = mm_verify,
    .destroy = mm_destroy,
    .check = mm_check,
};

static const struct pb_plugin mm_desc = {
    .abi_version = PB_ABI_VERSION,
    .kind = PB_KIND_WORKLOAD,
    .name = "matrix-mult",
    .summary = "C = A.B for n x n doubles (CPU and memory bound); row blocks "
               "of C travel back as payload, checked by Freivalds",
    .params = mm_params,
    .flags = 0,
    .workload = &mm_ops,
    .executor = NULL,
};

PB_DEFINE_PLUGIN(mm_desc)
