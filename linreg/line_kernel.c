/* linreg's one compiled loop (optional): one feature's block, shifted and summed piece
 * by piece while each row is in registers.
 *
 * numpy forms a = x - s and b = y - t in a scratch array and then reads it three
 * times (a product with ones, two row-by-row dots). This loop reads x and y once and
 * keeps the five sums of each piece -- sum a, sum b, sum a^2, sum ab, sum b^2 -- in
 * eight lanes: lane j adds rows j, j + 8, j + 16, ... of the piece, and the lanes are
 * then added in a fixed tree. Every product and every addition is one IEEE rounding
 * (built with -ffp-contract=off: no fused multiply-add, no reassociation), so a term
 * of a piece of m rows passes through at most ceil(m/8) + 3 additions, and never more
 * than m - 1 that round (a lane's first addition is 0 + a, and adding a lane of zeros
 * is exact): within the bound linreg's pass already takes for a piece summed in any
 * order (accumulate's gamma of the piece's rows). The piece's sums go to column p of five table rows.
 *
 * The floating-point exception flags are left as they were found: an overflow shows
 * in the sums (Python checks that they are finite), not in numpy's error state.
 *
 * Built by hatch_build.py into _compiled/line_kernel.so beside this file, loaded with
 * ctypes by linreg/_kernel.py; without a C compiler linreg runs numpy's calls instead.
 */
#include <fenv.h>
#include <stddef.h>

#define LANES 8

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
/* AVX2 where the CPU has it (chosen when the library loads), baseline SSE2 elsewhere */
#define CLONES __attribute__((target_clones("avx2", "default")))
#else
#define CLONES
#endif

static double lanes_sum(const double *v)
{
    return ((v[0] + v[4]) + (v[1] + v[5])) + ((v[2] + v[6]) + (v[3] + v[7]));
}

CLONES
static void one_piece(const double *x, const double *y, ptrdiff_t m, double s, double t,
                      double *out)
{
    double sa[LANES] = {0}, sb[LANES] = {0}, saa[LANES] = {0}, sab[LANES] = {0},
           sbb[LANES] = {0};
    ptrdiff_t i = 0;
    for (; i + LANES <= m; i += LANES) {
        for (int j = 0; j < LANES; j++) {
            double a = x[i + j] - s, b = y[i + j] - t;
            sa[j] += a;
            sb[j] += b;
            saa[j] += a * a;
            sab[j] += a * b;
            sbb[j] += b * b;
        }
    }
    for (int j = 0; i < m; i++, j++) {
        double a = x[i] - s, b = y[i] - t;
        sa[j] += a;
        sb[j] += b;
        saa[j] += a * a;
        sab[j] += a * b;
        sbb[j] += b * b;
    }
    out[0] = lanes_sum(sa);
    out[1] = lanes_sum(sb);
    out[2] = lanes_sum(saa);
    out[3] = lanes_sum(sab);
    out[4] = lanes_sum(sbb);
}

/* The sums of rows [0, n) of x and y shifted by (s, t), in pieces of `piece` rows (the
 * last may be shorter): piece p's five sums go to table[k * stride + p], k = 0..4. */
void linreg_piece_sums(const double *x, const double *y, ptrdiff_t n, double s, double t,
                       ptrdiff_t piece, double *table, ptrdiff_t stride)
{
    fexcept_t flags;
    fegetexceptflag(&flags, FE_ALL_EXCEPT);
    double out[5];
    for (ptrdiff_t p = 0, lo = 0; lo < n; p++, lo += piece) {
        one_piece(x + lo, y + lo, n - lo < piece ? n - lo : piece, s, t, out);
        for (int k = 0; k < 5; k++)
            table[k * stride + p] = out[k];
    }
    fesetexceptflag(&flags, FE_ALL_EXCEPT);
}
