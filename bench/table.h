/*
 * table.h — how a benchmark reports one figure of `make bench`'s table.
 *
 * Every benchmark program prints, besides whatever detail it likes, one line
 * per figure of the table, which bench/run collects and prints as one table:
 *
 *   ROW <TAB> figure <TAB> value <TAB> baseline <TAB> baseline value <TAB>
 *       ratio <TAB> target
 *
 * value and baseline value carry their units ("1234 /s", "3.1 ms"); the
 * target is a comparison of the ratio ("≥ 8", "≤ 1.5"), or of the value
 * itself when the figure has no baseline ("≤ 4 ms", baseline "-", ratio the
 * value). Figures and baselines come from the same run of the same machine
 * (shared and noisy), so only the ratio is judged.
 */
#ifndef BS_BENCH_TABLE_H
#define BS_BENCH_TABLE_H

#include <stdio.h>

/* A ratio figure: value ÷ baseline, judged against "≥ target" (at_least)
 * or "≤ target". */
static inline void
bench_row(const char *figure, double value, const char *unit, const char *baseline, double base,
          const char *base_unit, int at_least, double target)
{
    printf("ROW\t%s\t%.4g %s\t%s\t%.4g %s\t%.3f\t%s %g\n", figure, value, unit, baseline, base,
           base_unit, base != 0 ? value / base : 0.0, at_least ? "≥" : "≤", target);
    fflush(stdout);
}

/* A figure judged by its value alone, with no baseline (the start-up
 * floor, "≤ 4 ms"): baseline and its value are "-", the ratio column is the
 * value, and the target carries the unit. */
static inline void
bench_value(const char *figure, double value, const char *unit, int at_least, double target)
{
    printf("ROW\t%s\t%.4g %s\t-\t-\t%.3f\t%s %g %s\n", figure, value, unit, value,
           at_least ? "≥" : "≤", target, unit);
    fflush(stdout);
}

#endif
