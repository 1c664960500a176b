//! The arithmetic behind the properties: percentile benchmark, score curve, rounding, rates.
//!
//! These are the building blocks the snapshot uses, public so hosts can reproduce
//! a figure by hand.
//!
//! ```
//! use pulsecheck::metrics::{engagement_score, percentile};
//! use pulsecheck::Curve;
//!
//! let mut raws = [475.0, 89.0, 101.0, 7.0, 3.0, 21.0, 2.0, 149.0, 223.0, 1.0, 13.0, 9.0, 37.0];
//! let b = percentile(&mut raws, 90.0).unwrap();
//! assert!((b - 208.2).abs() < 1e-9);
//! assert_eq!(engagement_score(0, b, Curve::Log), 0);
//! assert_eq!(engagement_score(475, b, Curve::Log), 100);
//! assert_eq!(engagement_score(37, b, Curve::Linear), 18);
//! ```

use rust_decimal::{Decimal, RoundingStrategy};

use crate::config::Curve;

/// The p-th percentile (0–100) by linear interpolation between closest ranks
/// (NumPy's default, `quantile_cont`). Reorders `values`; `None` when empty.
///
/// Uses selection, not a full sort: two `select_nth_unstable` calls, O(n).
pub fn percentile(values: &mut [f64], p: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let h = (values.len() - 1) as f64 * (p / 100.0).clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let (_, &mut low, upper) = values.select_nth_unstable_by(lo, f64::total_cmp);
    let high = upper.iter().copied().min_by(f64::total_cmp).unwrap_or(low);
    Some(low + (h - lo as f64) * (high - low))
}

/// The curve applied to raw scores and the benchmark.
pub fn curve(x: f64, curve: Curve) -> f64 {
    match curve {
        Curve::Log => x.ln_1p(),
        Curve::Linear => x,
    }
}

/// The 0–100 engagement score of a raw score against the benchmark `b`:
/// 0 when `raw` is 0, else `max(1, round(100·f(raw)/f(b)))` clamped to 100.
pub fn engagement_score(raw: u64, benchmark: f64, c: Curve) -> i64 {
    if raw == 0 {
        return 0;
    }
    let fb = curve(benchmark, c);
    if fb.is_nan() || fb <= 0.0 {
        return 100;
    }
    let score = round_half_away(100.0 * curve(raw as f64, c) / fb);
    score.clamp(1, 100)
}

/// Rounds half away from zero, as every integer property is rounded.
pub fn round_half_away(x: f64) -> i64 {
    x.round() as i64
}

/// `100 · part / whole`, rounded half away from zero; `None` when `whole` is 0.
pub fn percent(part: u64, whole: u64) -> Option<i64> {
    (whole > 0).then(|| {
        // Integer arithmetic: exact halves round up (away from zero).
        let scaled = 200 * u128::from(part) + u128::from(whole);
        (scaled / (2 * u128::from(whole))) as i64
    })
}

/// Net Promoter Score: `100 · (promoters − detractors) / responses`, rounded half
/// away from zero; `None` without responses.
///
/// ```
/// use pulsecheck::metrics::nps;
///
/// assert_eq!(nps(2, 1, 4), Some(25));
/// assert_eq!(nps(0, 1, 8), Some(-13)); // −12.5 rounds away from zero
/// assert_eq!(nps(0, 0, 0), None);
/// ```
pub fn nps(promoters: u64, detractors: u64, responses: u64) -> Option<i64> {
    (responses > 0).then(|| {
        let diff = i128::from(promoters) - i128::from(detractors);
        let whole = i128::from(responses);
        // Integer arithmetic: exact halves round away from zero.
        let magnitude = (200 * diff.abs() + whole) / (2 * whole);
        (diff.signum() * magnitude) as i64
    })
}

/// A weighted mean rounded half away from zero, exactly: `Σ wᵢ·nᵢ / (Σ wᵢ · scale)`
/// over `(wᵢ, nᵢ)` pairs, each value `nᵢ / scale`. Parts of weight 0 are skipped;
/// `None` when no part has a weight.
///
/// The health score uses it with every component scaled by `2 · lookback_days`.
///
/// ```
/// use pulsecheck::metrics::weighted_score;
///
/// // Components 80 and 45 (scale 1), weights 3 and 1: (240 + 45) / 4 = 71.25 → 71.
/// assert_eq!(weighted_score([(3, 80), (1, 45)], 1), Some(71));
/// // 62.5 (125 / 2, scale 2) rounds up.
/// assert_eq!(weighted_score([(1, 125)], 2), Some(63));
/// assert_eq!(weighted_score([(0, 50)], 1), None);
/// ```
pub fn weighted_score(parts: impl IntoIterator<Item = (u128, u128)>, scale: u128) -> Option<i64> {
    let (mut sum, mut weights) = (0u128, 0u128);
    for (w, n) in parts.into_iter().filter(|(w, _)| *w > 0) {
        sum = sum.saturating_add(w.saturating_mul(n));
        weights = weights.saturating_add(w);
    }
    let whole = weights.checked_mul(scale.max(1))?;
    (whole > 0).then(|| ((2 * sum + whole) / (2 * whole)) as i64)
}

/// Growth from `previous` to `current` in percent, 1 decimal; `None` when previous is 0.
pub fn growth_pct(current: Decimal, previous: Decimal) -> Option<Decimal> {
    if previous.is_zero() {
        return None;
    }
    if let Some([c, p]) = small_mantissas([current, previous]) {
        return Some(tenths_of_percent(c - p, p));
    }
    let g = (current - previous)
        .checked_div(previous)?
        .checked_mul(Decimal::ONE_HUNDRED)?;
    Some(round1(g))
}

/// A share in percent, 1 decimal; `None` when the whole is 0.
pub fn share_pct(part: Decimal, whole: Decimal) -> Option<Decimal> {
    if whole.is_zero() {
        return None;
    }
    if let Some([part, whole]) = small_mantissas([part, whole]) {
        return Some(tenths_of_percent(part, whole));
    }
    Some(round1(
        part.checked_div(whole)?.checked_mul(Decimal::ONE_HUNDRED)?,
    ))
}

/// The mantissas of decimals brought to one scale, when each is below 10^15 in
/// magnitude: then their ratio is the ratio of the decimals.
fn small_mantissas<const N: usize>(ds: [Decimal; N]) -> Option<[i128; N]> {
    const LIMIT: i128 = 1_000_000_000_000_000;
    let scale = ds.iter().map(Decimal::scale).max().unwrap_or(0);
    let mut out = [0; N];
    for (m, d) in out.iter_mut().zip(ds) {
        *m = d
            .mantissa()
            .checked_mul(10i128.checked_pow(scale - d.scale())?)
            .filter(|m| m.abs() < LIMIT)?;
    }
    Some(out)
}

/// `100 · num / den` rounded half away from zero to 1 decimal, normalized, for a
/// nonzero `den`: what `round1` of the decimal quotient gives, computed in
/// integers. Decimal division (about 500 instructions) is the bulk of a usage
/// growth or share; this is exact, and equal to the decimal route, because with
/// mantissas below 10^15 a quotient that is not exactly a midpoint of tenths is
/// at least 1/(2·den) from one, far more than that route's error at 28 digits,
/// and one that is exactly a midpoint is a finite decimal that route computes
/// exactly.
fn tenths_of_percent(num: i128, den: i128) -> Decimal {
    // Below 10^15 each, so 2 · 1000 · |num| + |den| fits in a u64 (and its
    // division is far cheaper than an i128 one).
    let (n, d) = (num.unsigned_abs() as u64, den.unsigned_abs() as u64);
    let magnitude = (2000 * n + d) / (2 * d);
    let negative = (num < 0) != (den < 0) && magnitude != 0;
    // Normalized directly: no trailing zero, no negative zero.
    let (mantissa, scale) = if magnitude % 10 == 0 {
        (magnitude / 10, 0)
    } else {
        (magnitude, 1)
    };
    let mantissa = mantissa as i64;
    Decimal::new(if negative { -mantissa } else { mantissa }, scale)
}

fn round1(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(1, RoundingStrategy::MidpointAwayFromZero)
        .normalize()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_interpolates_between_closest_ranks() {
        let mut raws = [
            475.0, 89.0, 101.0, 7.0, 3.0, 21.0, 2.0, 149.0, 223.0, 1.0, 13.0, 9.0, 37.0,
        ];
        assert!((percentile(&mut raws, 90.0).unwrap() - 208.2).abs() < 1e-9);
        assert_eq!(percentile(&mut [5.0], 90.0), Some(5.0));
        assert_eq!(percentile(&mut [1.0, 2.0, 3.0, 4.0], 50.0), Some(2.5));
        assert_eq!(percentile(&mut [1.0, 2.0, 3.0, 4.0], 100.0), Some(4.0));
        assert_eq!(percentile(&mut [], 90.0), None);
    }

    #[test]
    fn scores_by_hand() {
        let b = 208.2;
        // log: 100·ln(38)/ln(209.2) = 68.06… → 68
        assert_eq!(engagement_score(37, b, Curve::Log), 68);
        // linear: 100·37/208.2 = 17.77 → 18; 1/208.2 → 0.48 → max(1, 0) = 1
        assert_eq!(engagement_score(37, b, Curve::Linear), 18);
        assert_eq!(engagement_score(1, b, Curve::Linear), 1);
        // above the benchmark clamps to 100
        assert_eq!(engagement_score(475, b, Curve::Linear), 100);
        assert_eq!(engagement_score(0, b, Curve::Log), 0);
    }

    #[test]
    fn percents_round_half_away() {
        assert_eq!(percent(1, 8), Some(13)); // 12.5
        assert_eq!(percent(1, 3), Some(33));
        assert_eq!(percent(2, 3), Some(67));
        assert_eq!(percent(0, 0), None);
        assert_eq!(
            growth_pct(Decimal::from(15), Decimal::from(8)),
            Some("87.5".parse().unwrap())
        );
        assert_eq!(
            growth_pct(Decimal::from(1), Decimal::from(3)),
            Some("-66.7".parse().unwrap())
        );
        assert_eq!(growth_pct(Decimal::from(1), Decimal::ZERO), None);
    }

    /// The decimal route the integer one stands in for.
    fn growth_by_division(current: Decimal, previous: Decimal) -> Option<Decimal> {
        let g = (current - previous)
            .checked_div(previous)?
            .checked_mul(Decimal::ONE_HUNDRED)?;
        Some(round1(g))
    }

    fn share_by_division(part: Decimal, whole: Decimal) -> Option<Decimal> {
        Some(round1(
            part.checked_div(whole)?.checked_mul(Decimal::ONE_HUNDRED)?,
        ))
    }

    #[test]
    fn integer_percentages_match_decimal_division() {
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut cases: Vec<(Decimal, Decimal)> = vec![
            (Decimal::from(15), Decimal::from(8)),
            (Decimal::from(1), Decimal::from(3)),
            (Decimal::new(-5, 1), Decimal::from(1000)),
            (Decimal::new(5, 4), Decimal::from(1)),
            (Decimal::new(-5, 4), Decimal::from(1)),
            (Decimal::from(1), Decimal::from(-8)),
            (Decimal::new(999_999_999_999_999, 0), Decimal::from(7)),
            (Decimal::new(1, 28), Decimal::new(3, 0)),
        ];
        for _ in 0..20_000 {
            let magnitude = 10i64.pow((next() % 16) as u32);
            let a = (next() as i64 % magnitude) - magnitude / 4;
            let b =
                (next() as i64 % magnitude.max(2)).max(1) * if next() % 5 == 0 { -1 } else { 1 };
            let (sa, sb) = ((next() % 6) as u32, (next() % 6) as u32);
            cases.push((Decimal::new(a, sa), Decimal::new(b, sb)));
            // Midpoints of tenths: b · (2k + 1) / 2000.
            let k = (next() % 2000) as i64;
            let b = (next() % 1_000_000) as i64 + 1;
            cases.push((Decimal::new(b * (2 * k + 1), 0), Decimal::new(2000 * b, 0)));
        }
        for (a, b) in cases {
            assert_eq!(
                growth_pct(a, b),
                growth_by_division(a, b).filter(|_| !b.is_zero()),
                "growth {a} {b}"
            );
            assert_eq!(
                share_pct(a, b),
                share_by_division(a, b).filter(|_| !b.is_zero()),
                "share {a} {b}"
            );
            for d in [growth_pct(a, b), share_pct(a, b)].into_iter().flatten() {
                assert_eq!(d.to_string(), d.normalize().to_string());
            }
        }
    }
}
