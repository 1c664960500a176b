//! Days in the configured offset: the unit every window is counted in.

use chrono::{DateTime, NaiveDate, Utc};

pub(crate) const MS_PER_DAY: i64 = 86_400_000;

/// Day numbers are days since 1970-01-01 in the configured UTC offset.
pub(crate) type DayNumber = i32;

/// The earliest and latest instants a call can carry (chrono's range), in UTC
/// milliseconds. Loaded state is held to them, so time arithmetic on it has the
/// same headroom as on ingested state.
pub(crate) const MIN_MS: i64 = DateTime::<Utc>::MIN_UTC.timestamp_millis();
pub(crate) const MAX_MS: i64 = DateTime::<Utc>::MAX_UTC.timestamp_millis();

/// Whether `ms` is an instant a call could have carried.
pub(crate) fn ms_in_range(ms: i64) -> bool {
    (MIN_MS..=MAX_MS).contains(&ms)
}

/// Whether `day` is the local day of such an instant, in any offset.
pub(crate) fn day_in_range(day: DayNumber) -> bool {
    let bound = i64::from(day) * MS_PER_DAY;
    (MIN_MS - MS_PER_DAY..=MAX_MS + MS_PER_DAY).contains(&bound)
}

/// The local day of an instant given as UTC milliseconds.
pub(crate) fn day_of_ms(ms: i64, offset_minutes: i32) -> DayNumber {
    let local = ms.saturating_add(i64::from(offset_minutes) * 60_000);
    // Clamp so absurd timestamps cannot overflow the i32 day; real ones are far inside.
    local
        .div_euclid(MS_PER_DAY)
        .clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as DayNumber
}

/// [`day_of_ms`] and [`ms_in_day`] of one instant, from one division.
#[inline]
pub(crate) fn day_and_ms_in_day(ms: i64, offset_minutes: i32) -> (DayNumber, u32) {
    let local = ms.saturating_add(i64::from(offset_minutes) * 60_000);
    let day = local.div_euclid(MS_PER_DAY);
    // Wrapping: at the ends of `i64`, `day * MS_PER_DAY` is outside it, but
    // the difference (within one day) is exact modulo 2^64.
    let in_day = local.wrapping_sub(day.wrapping_mul(MS_PER_DAY)) as u32;
    let day = day.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as DayNumber;
    (day, in_day)
}

/// Milliseconds since the start of the local day (0..86_400_000).
pub(crate) fn ms_in_day(ms: i64, offset_minutes: i32) -> u32 {
    let local = ms.saturating_add(i64::from(offset_minutes) * 60_000);
    local.rem_euclid(MS_PER_DAY) as u32
}

/// The UTC millisecond at which local day `day` starts.
pub(crate) fn day_start_ms(day: DayNumber, offset_minutes: i32) -> i64 {
    i64::from(day) * MS_PER_DAY - i64::from(offset_minutes) * 60_000
}

pub(crate) fn day_number(date: NaiveDate) -> DayNumber {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid constant date");
    (date - epoch).num_days() as DayNumber
}

/// The date of a day number (saturating at chrono's range).
pub(crate) fn date_of(day: DayNumber) -> NaiveDate {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid constant date");
    epoch
        .checked_add_signed(chrono::Duration::days(i64::from(day)))
        .unwrap_or(if day < 0 {
            NaiveDate::MIN
        } else {
            NaiveDate::MAX
        })
}

pub(crate) fn datetime_of(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or(DateTime::<Utc>::MIN_UTC)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_move_day_boundaries() {
        // 2026-10-31T23:30Z is still Oct 31 in UTC, but Nov 1 in UTC+01:00.
        let ms = DateTime::parse_from_rfc3339("2026-10-31T23:30:00Z")
            .unwrap()
            .timestamp_millis();
        let oct31 = day_number(NaiveDate::from_ymd_opt(2026, 10, 31).unwrap());
        assert_eq!(day_of_ms(ms, 0), oct31);
        assert_eq!(day_of_ms(ms, 60), oct31 + 1);
        assert_eq!(day_of_ms(ms, -60), oct31);
        assert_eq!(ms_in_day(ms, 60), 30 * 60_000);
        for (ms, offset) in [
            (ms, 60),
            (ms, -60),
            (-1, 0),
            (i64::MIN, -720),
            (i64::MAX, 840),
        ] {
            assert_eq!(
                day_and_ms_in_day(ms, offset),
                (day_of_ms(ms, offset), ms_in_day(ms, offset))
            );
        }
        assert_eq!(day_start_ms(oct31 + 1, 60), ms - 30 * 60_000);
    }
}
